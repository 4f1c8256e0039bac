#include "statistics.h"

#include <wb/error.h>

#include <algorithm>
#include <cmath>

namespace wb::bench {

Statistics summarize(std::vector<double> samples)
{
    if (samples.empty())
        fail(ErrorCode::InvalidArgument, "no samples to summarize");
    for (double s : samples) {
        if (!std::isfinite(s))
            fail(ErrorCode::InvalidArgument, "a measured sample is not a finite number");
    }
    Statistics stats;
    stats.n = static_cast<int>(samples.size());
    stats.samples = samples;
    std::sort(samples.begin(), samples.end());
    const std::size_t mid = samples.size() / 2;
    stats.median = samples.size() % 2 ? samples[mid] : 0.5 * (samples[mid - 1] + samples[mid]);
    stats.min = samples.front();
    stats.max = samples.back();
    return stats;
}

} // namespace wb::bench
