#include "telemetry_bench.h"

#include "engine/telemetry.h"

#include <wb/error.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <thread>
#include <vector>

namespace wb::bench {

namespace {

double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) * 1e-6;
}

} // namespace

TelemetryBenchReport benchTelemetry(const TelemetryBenchConfig& config)
{
    const double wanted = config.rateHz * config.seconds;
    if (!(config.rateHz > 0) || !(config.seconds > 0) || !(wanted >= 1) || wanted > 1e6)
        fail(ErrorCode::InvalidArgument, "the telemetry benchmark takes 1 to 1000000 samples; " +
                                             std::to_string(config.rateHz) + " Hz for " +
                                             std::to_string(config.seconds) + " s is not that");
    const auto count = static_cast<long long>(std::floor(wanted + 1e-9));

    engine::Telemetry telemetry; // setup: not measured
    TelemetryBenchReport report;
    report.config = config;
    std::vector<double> sampleMs;
    sampleMs.reserve(static_cast<std::size_t>(count));
    engine::TelemetrySample last;

    // The engine's shape: a thread that sleeps until each tick on the steady clock, so
    // a late sample does not shift the ones after it.
    std::thread sampler([&] {
        using Clock = std::chrono::steady_clock;
        const std::chrono::duration<double> period(1.0 / config.rateHz);
        const double cpuStart = threadCpuMs();
        const Clock::time_point start = Clock::now();
        for (long long k = 0; k < count; ++k) {
            std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(period * k));
            const Clock::time_point before = Clock::now();
            last = telemetry.sample();
            sampleMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
        }
        std::this_thread::sleep_until(
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.seconds)));
        report.wallMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        report.threadCpuMs = threadCpuMs() - cpuStart;
    });
    sampler.join();

    report.samples = static_cast<int>(sampleMs.size());
    report.cpuPctOfCore = 100.0 * report.threadCpuMs / report.wallMs;
    report.sampleMs = summarize(std::move(sampleMs));
    report.gpus = static_cast<int>(last.gpus.size());
    report.gpuReason = last.gpuReason;
    report.cpuLoadRead = last.cpuLoadPct.has_value();
    return report;
}

} // namespace wb::bench
