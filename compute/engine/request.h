#pragma once
// The requests of the engine protocol (docs/protocol.md, "Requests and replies") read from
// a JSON frame's payload into typed values, with every field checked: a pure function of
// the bytes, so the session's logic never meets a malformed request, and the fuzz target
// (tests/fuzz/fuzz_engine.cpp) can run it on anything.

#include <wb/error.h>
#include <wb/kernel_compile.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wb::engine {

// The protocol's own error codes, beside wb::ErrorCode's.
enum class ProtocolError {
    BadFrame,         // not a JSON object, no integer id or text type, a frame of the wrong kind or size
    UnknownRequest,   // a type this engine does not know
    NotReady,         // a request before a successful hello
    Busy,             // a run while another runs
    ProtocolMismatch, // hello with another protocol version
};

// The names that travel in replies: "InvalidArgument", "DeviceLost", "BadFrame", ...
std::string_view codeName(ErrorCode code);
std::string_view codeName(ProtocolError code);

struct HelloRequest {
    std::int64_t protocol = 0;
    std::string client{};
};

struct CheckRequest {
    std::string pipeline{};
    std::string file = "pipeline.wbp"; // for messages and the run record
    std::string directory = ".";       // relative paths of load() and save() start here
};

// Run options given with the request; what is not given comes from the directives.
struct RunOverrides {
    std::optional<std::vector<std::string>> backends{}; // each "cpu" or "gpu", at least one, no repeats
    std::optional<int> repeat{};                        // 1 to 100000
    std::optional<int> warmup{};                        // 0 to 100000
    std::optional<std::uint64_t> seed{};
    std::optional<int> threads{}; // 0 to 4096
    std::optional<bool> fuse{};
    std::optional<bool> graph{};
};

struct RunRequest {
    CheckRequest source{};
    RunOverrides options{};
};

struct CancelRequest {
    std::int64_t run = 0;
};

inline constexpr std::int64_t kDefaultFetchElements = 1 << 20;

struct FetchRequest {
    std::int64_t run = 0;
    std::string step{};
    std::optional<std::string> backend{};             // "cpu", "cuda:0"; the run's first backend when not given
    std::int64_t maxElements = kDefaultFetchElements; // >= 1
};

struct TelemetryRequest {
    double rateHz = 0; // 0 to 50; 0 is off
};

// A user's CUDA kernel to compile (wb/kernel_compile.h: an empty arch is the engine's
// GPU 0, else wb::kDefaultKernelArch); the reply has the diagnostics and, when asked for,
// the PTX.
struct CompileRequest {
    KernelCompileRequest kernel{};
    bool ptx = false; // send the PTX text back
};
struct ShutdownRequest {};

using RequestBody = std::variant<HelloRequest, CheckRequest, RunRequest, CancelRequest, FetchRequest, TelemetryRequest,
                                 CompileRequest, ShutdownRequest>;

struct Request {
    std::int64_t id = 0;
    std::string type{}; // "hello", "run", ...
    RequestBody body{};
};

// A request that cannot be served as sent, answered with an error reply.
struct RequestFailure {
    std::optional<std::int64_t> id{}; // nullopt: the frame has no readable id ("id": null)
    std::string code{};               // codeName() of a ProtocolError or an ErrorCode
    std::string message{};
};

// The type names, in the order the protocol lists them.
const std::vector<std::string>& requestTypes();

// A JSON frame's payload as a request. Never throws: anything that is not valid UTF-8 JSON,
// not an object, or lacks an integer `id` or a text `type` is BadFrame; an unknown type is
// UnknownRequest; a field that is missing, of the wrong JSON type or out of range is
// InvalidArgument, naming it. Fields a request does not use are ignored, and a field given
// as null counts as not given.
std::variant<Request, RequestFailure> parseRequest(std::string_view payload);

} // namespace wb::engine
