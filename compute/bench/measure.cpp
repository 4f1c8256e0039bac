#include "measure.h"

#include <wb/error.h>

#include <algorithm>
#include <cmath>

#include <string>

namespace wb::bench {

Statistics measure(Backend& backend, int warmup, int repeat, const std::function<void()>& work, double minSampleMs)
{
    if (repeat < 1 || warmup < 0)
        fail(ErrorCode::InvalidArgument, "need repeat >= 1 and warmup >= 0, got repeat " + std::to_string(repeat) +
                                             " and warmup " + std::to_string(warmup));
    for (int i = 0; i < warmup; ++i)
        work();
    backend.synchronize();
    const auto timer = backend.createTimer();
    int runs = 1;
    if (minSampleMs > 0) {
        timer->start();
        work();
        timer->stop();
        const double once = timer->elapsedMs();
        if (once < minSampleMs)
            runs = once > 0 ? static_cast<int>(std::min<double>(std::ceil(minSampleMs / once), kMaxRunsPerSample))
                            : kMaxRunsPerSample;
    }
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(repeat));
    for (int i = 0; i < repeat; ++i) {
        timer->start();
        for (int r = 0; r < runs; ++r)
            work();
        timer->stop();
        samples.push_back(timer->elapsedMs() / runs);
    }
    Statistics statistics = summarize(std::move(samples));
    statistics.runsPerSample = runs;
    return statistics;
}

} // namespace wb::bench
