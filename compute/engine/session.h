#pragma once
// One engine session: the protocol of docs/protocol.md served over a pair of byte streams,
// from the greeting to the exit status. `warpbench-cli engine --stdio` runs one over its
// standard input and output; the tests run them over pipes and string streams.
//
// Threads: serve() reads and answers requests on the calling thread. A run goes on a
// thread of its own (one run at a time), with a second thread sending `memory` events while
// it is in progress; telemetry has a thread while it is on. All of them write frames
// through one FrameWriter. serve() returns once every thread it started has stopped, except
// a run that did not stop within SessionOptions::stopGrace of being cancelled (test_hang,
// a kernel that never ends): runInProgress() then says so, and the process should end
// without destroying the session (the engine command calls std::_Exit).

#include "frame.h"
#include "telemetry.h"

#include <chrono>
#include <functional>
#include <memory>

namespace wb::engine {

struct SessionOptions {
    // Offers the test-only ops (docs/protocol.md, "Test-only ops"): enables them for the
    // whole process (pipeline::enableTestOps()) and lists "test-ops" in the capabilities.
    bool testOps = false;
    FrameTrace* trace = nullptr;
    // Where `telemetry` events get their samples, called on the telemetry thread; empty: a
    // Telemetry (telemetry.h) made when telemetry is first turned on.
    std::function<TelemetrySample()> telemetry{};
    // How long shutdown and the end of the input wait for a cancelled run to stop.
    std::chrono::milliseconds stopGrace{5000};
};

class Session {
public:
    // The streams must outlive the session.
    Session(ByteSource& input, ByteSink& output, SessionOptions options = {});
    // Cancels a run in progress and waits for it, and stops telemetry.
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Writes the greeting, then answers requests until one of the ends of a session (the
    // statuses of wb/engine.h): shutdown, the end of the input, or a stream that ends inside
    // a frame (kEngineExitOk); a hello with another protocol (kEngineExitProtocolMismatch);
    // a run that lost the GPU, once its events and reply are out (kEngineExitDeviceLost);
    // an exception that escaped a request or a thread, with the reason on stderr and, where
    // a request was being served, an Internal error reply (kEngineExitInternal). Call once.
    int serve();

    // A run's thread that had not stopped when serve() returned.
    bool runInProgress() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace wb::engine
