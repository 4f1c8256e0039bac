#include "measure.h"

#include <wb/error.h>

#include <string>

namespace wb::bench {

Statistics measure(Backend& backend, int warmup, int repeat, const std::function<void()>& work)
{
    if (repeat < 1 || warmup < 0)
        fail(ErrorCode::InvalidArgument, "need repeat >= 1 and warmup >= 0, got repeat " + std::to_string(repeat) +
                                             " and warmup " + std::to_string(warmup));
    for (int i = 0; i < warmup; ++i)
        work();
    backend.synchronize();

    const auto timer = backend.createTimer();
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(repeat));
    for (int i = 0; i < repeat; ++i) {
        timer->start();
        work();
        timer->stop();
        samples.push_back(timer->elapsedMs());
    }
    return summarize(std::move(samples));
}

} // namespace wb::bench
