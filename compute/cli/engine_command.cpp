// `warpbench-cli engine --stdio`: the engine process (docs/protocol.md). Its standard output
// carries frames and nothing else: the frames get a descriptor of their own, and descriptor
// 1 is pointed at standard error, so whatever else prints to standard output (a library's
// chatter, a stray printf) lands among the logs.

#include "arguments.h"
#include "commands.h"

#include "engine/frame.h"
#include "engine/session.h"

#include <wb/engine.h>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>

namespace wb::cli {

int runEngine(const std::vector<std::string>& words)
{
    const Arguments args("engine", words, {}, {"--stdio", "--test-ops"});
    if (!args.has("--stdio"))
        throw UsageError("engine needs --stdio: warpbench-cli engine --stdio [--test-ops]");
    try {
        // A client that goes away makes writes fail with EPIPE (the session then stops
        // writing) instead of killing the engine before it can log why.
        std::signal(SIGPIPE, SIG_IGN);
        std::cout.flush();
        std::fflush(stdout);
        const int framesFd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (framesFd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            std::fprintf(stderr, "warpbench-cli engine: cannot set up standard output: %s\n", std::strerror(errno));
            return engine::kEngineExitInternal;
        }
        engine::FdSource input(STDIN_FILENO);
        engine::FdSink output(framesFd);
        std::optional<engine::FrameTrace> trace;
        if (engine::FrameTrace::requested())
            trace.emplace(std::cerr);
        engine::SessionOptions options;
        options.testOps = args.has("--test-ops");
        options.trace = trace ? &*trace : nullptr;
        engine::Session session(input, output, options);
        const int status = session.serve();
        // A lost device can make the CUDA teardown at exit hang or crash, and a run that
        // never stopped would be waited for: leave without running destructors.
        if (status == engine::kEngineExitDeviceLost || session.runInProgress()) {
            std::fflush(stderr);
            std::_Exit(status);
        }
        return status;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "warpbench-cli engine: internal error: %s\n", error.what());
        return engine::kEngineExitInternal;
    }
}

} // namespace wb::cli
