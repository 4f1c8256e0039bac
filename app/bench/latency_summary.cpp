#include "latency_summary.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace wb::app::bench {

namespace {

double nearestRank(const std::vector<double>& sorted, double fraction)
{
    const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

} // namespace

LatencySummary summarise(std::vector<double> samplesUs)
{
    LatencySummary summary;
    summary.n = samplesUs.size();
    if (samplesUs.empty()) {
        return summary;
    }
    std::sort(samplesUs.begin(), samplesUs.end());
    const std::size_t n = samplesUs.size();
    const double median = n % 2 == 1 ? samplesUs[n / 2] : (samplesUs[n / 2 - 1] + samplesUs[n / 2]) / 2.0;
    summary.medianMs = median / 1000.0;
    summary.p90Ms = nearestRank(samplesUs, 0.90) / 1000.0;
    summary.p99Ms = nearestRank(samplesUs, 0.99) / 1000.0;
    summary.minMs = samplesUs.front() / 1000.0;
    summary.maxMs = samplesUs.back() / 1000.0;
    summary.meanMs = std::accumulate(samplesUs.begin(), samplesUs.end(), 0.0) / static_cast<double>(n) / 1000.0;
    return summary;
}

QJsonObject toJson(const LatencySummary& summary)
{
    return QJsonObject{{QStringLiteral("n"), static_cast<qint64>(summary.n)},
                       {QStringLiteral("median_ms"), summary.medianMs},
                       {QStringLiteral("p90_ms"), summary.p90Ms},
                       {QStringLiteral("p99_ms"), summary.p99Ms},
                       {QStringLiteral("min_ms"), summary.minMs},
                       {QStringLiteral("max_ms"), summary.maxMs},
                       {QStringLiteral("mean_ms"), summary.meanMs}};
}

double steadyMicroseconds()
{
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) / 1000.0;
}

} // namespace wb::app::bench
