#pragma once
// The engine's `compile` requests (docs/protocol.md), served one at a time, in order, on a
// thread of their own: NVRTC can take seconds on a large kernel, and the session must keep
// reading its input meanwhile (a cancel, a fetch, the next check as the user types).

#include "request.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace wb::engine {

class CompileWorker {
public:
    using Reply = std::function<void(std::int64_t id, nlohmann::json fields)>;
    using ReplyError = std::function<void(std::int64_t id, std::string_view code, const std::string& message)>;

    // Both are called on the worker's thread, exactly once per submitted request.
    CompileWorker(Reply reply, ReplyError replyError);
    // stop(), then the thread ends.
    ~CompileWorker();
    CompileWorker(const CompileWorker&) = delete;
    CompileWorker& operator=(const CompileWorker&) = delete;

    void submit(std::int64_t id, CompileRequest request);
    // Waits for the compile in progress; requests still queued get an error reply.
    void stop();

private:
    void loop();
    void serve(std::int64_t id, const CompileRequest& request);

    Reply m_reply;
    ReplyError m_replyError;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::pair<std::int64_t, CompileRequest>> m_queue; // guarded by m_mutex
    bool m_stopping = false;                                     // guarded by m_mutex
    std::thread m_thread;                                        // last: starts once the rest is set
};

} // namespace wb::engine
