#include "parallel.h"

#include "cpu_backend.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace wb::cpu {

void parallelFor(std::int64_t n, std::int64_t minChunk, const std::function<void(std::int64_t, std::int64_t)>& body)
{
    if (n <= 0)
        return;
    const std::int64_t byWork = std::max<std::int64_t>(1, n / std::max<std::int64_t>(1, minChunk));
    const std::int64_t chunks = std::min<std::int64_t>(threads(), byWork);
    if (chunks <= 1) {
        body(0, n);
        return;
    }
    std::exception_ptr firstError;
    std::mutex errorMutex;
    auto guarded = [&](std::int64_t begin, std::int64_t end) {
        try {
            body(begin, end);
        } catch (...) {
            std::lock_guard lock(errorMutex);
            if (!firstError)
                firstError = std::current_exception();
        }
    };
    const auto chunkBegin = [&](std::int64_t c) { return n * c / chunks; };
    std::vector<std::thread> workers;
    workers.reserve(static_cast<std::size_t>(chunks - 1));
    for (std::int64_t c = 1; c < chunks; ++c) {
        // A process at its thread limit still gets the work done, only on fewer threads.
        try {
            workers.emplace_back(guarded, chunkBegin(c), chunkBegin(c + 1));
        } catch (const std::system_error&) {
            guarded(chunkBegin(c), chunkBegin(c + 1));
        }
    }
    guarded(0, chunkBegin(1));
    for (std::thread& worker : workers)
        worker.join();
    if (firstError)
        std::rethrow_exception(firstError);
}

} // namespace wb::cpu
