// Requests of the engine protocol read from JSON: every type with its fields and defaults,
// and each way a request can be wrong, with the code and id it is answered with.

#include "engine/request.h"

#include <wb/error.h>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wb::engine {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Request accepted(const std::string& payload)
{
    auto parsed = parseRequest(payload);
    if (const auto* failure = std::get_if<RequestFailure>(&parsed))
        ADD_FAILURE() << payload << " was refused: " << failure->code << ": " << failure->message;
    return std::get_if<Request>(&parsed) ? std::get<Request>(parsed) : Request{};
}

RequestFailure refused(const std::string& payload)
{
    auto parsed = parseRequest(payload);
    if (std::holds_alternative<Request>(parsed)) {
        ADD_FAILURE() << payload << " was accepted";
        return {};
    }
    const RequestFailure failure = std::get<RequestFailure>(parsed);
    EXPECT_FALSE(failure.message.empty()) << payload;
    return failure;
}

TEST(EngineRequest, EveryTypeWithItsFields)
{
    const Request hello = accepted(R"({"type":"hello","id":1,"protocol":1,"client":"warpbench 0.1"})");
    EXPECT_EQ(hello.id, 1);
    EXPECT_EQ(hello.type, "hello");
    EXPECT_EQ(std::get<HelloRequest>(hello.body).protocol, 1);
    EXPECT_EQ(std::get<HelloRequest>(hello.body).client, "warpbench 0.1");

    const Request check = accepted(R"j({"type":"check","id":2,"pipeline":"a = rand(2)"})j");
    const auto& source = std::get<CheckRequest>(check.body);
    EXPECT_EQ(source.pipeline, "a = rand(2)");
    EXPECT_EQ(source.file, "pipeline.wbp");
    EXPECT_EQ(source.directory, ".");

    const Request run = accepted(R"({"type":"run","id":-3,"pipeline":"x","file":"f.wbp","directory":"/data",
        "options":{"backends":["gpu","cpu"],"repeat":7,"warmup":0,"seed":12345678901,"threads":2,"fuse":false,
                   "graph":true}})");
    EXPECT_EQ(run.id, -3);
    const auto& body = std::get<RunRequest>(run.body);
    EXPECT_EQ(body.source.file, "f.wbp");
    EXPECT_EQ(body.source.directory, "/data");
    EXPECT_EQ(body.options.backends, (std::vector<std::string>{"gpu", "cpu"}));
    EXPECT_EQ(body.options.repeat, 7);
    EXPECT_EQ(body.options.warmup, 0);
    EXPECT_EQ(body.options.seed, 12345678901u);
    EXPECT_EQ(body.options.threads, 2);
    EXPECT_EQ(body.options.fuse, false);
    EXPECT_EQ(body.options.graph, true);

    const Request plain = accepted(R"({"type":"run","id":4,"pipeline":"x","options":{"repeat":null}})");
    const auto& defaults = std::get<RunRequest>(plain.body).options;
    EXPECT_FALSE(defaults.backends || defaults.repeat || defaults.warmup || defaults.seed || defaults.threads ||
                 defaults.fuse || defaults.graph);

    EXPECT_EQ(std::get<CancelRequest>(accepted(R"({"type":"cancel","id":5,"run":4})").body).run, 4);

    const auto fetch = std::get<FetchRequest>(accepted(R"({"type":"fetch","id":6,"run":4,"step":"img"})").body);
    EXPECT_EQ(fetch.step, "img");
    EXPECT_FALSE(fetch.backend);
    EXPECT_EQ(fetch.maxElements, 1 << 20);
    const auto sized = std::get<FetchRequest>(
        accepted(R"({"type":"fetch","id":6,"run":4,"step":"img","backend":"cuda:0","max_elements":10})").body);
    EXPECT_EQ(sized.backend, "cuda:0");
    EXPECT_EQ(sized.maxElements, 10);

    EXPECT_EQ(std::get<TelemetryRequest>(accepted(R"({"type":"telemetry","id":7,"rate_hz":2.5})").body).rateHz, 2.5);
    const auto compile = std::get<CompileRequest>(accepted(R"({"type":"compile","id":8,"source":"k"})").body);
    EXPECT_EQ(compile.kernel.source, "k");
    EXPECT_EQ(compile.kernel.file, "kernel.cu");
    EXPECT_TRUE(compile.kernel.directory.empty() && compile.kernel.arch.empty() && compile.kernel.options.empty() &&
                !compile.ptx);
    const auto full = std::get<CompileRequest>(accepted(R"({"type":"compile","id":8,"source":"k","file":"/a/b.cu",
        "directory":"/a","arch":"sm_80","options":["-DN=4","-std=c++20"],"ptx":true})")
                                                   .body);
    EXPECT_EQ(full.kernel.file, "/a/b.cu");
    EXPECT_EQ(full.kernel.directory, "/a");
    EXPECT_EQ(full.kernel.arch, "sm_80");
    EXPECT_EQ(full.kernel.options, (std::vector<std::string>{"-DN=4", "-std=c++20"}));
    EXPECT_TRUE(full.ptx);
    EXPECT_TRUE(std::holds_alternative<ShutdownRequest>(accepted(R"({"type":"shutdown","id":9,"extra":1})").body));
}

TEST(EngineRequest, FramesThatAreNotRequestsAreBadFramesWithoutAnId)
{
    for (const std::string& payload :
         {std::string(""), std::string("{"), std::string("[1]"), std::string("\"hello\""), std::string("null"),
          std::string("{\"type\":\"hello\",\"id\":1} trailing"), std::string("{\"type\":\"x\",\"id\":\"\xff\"}")}) {
        SCOPED_TRACE(payload);
        const RequestFailure failure = refused(payload);
        EXPECT_EQ(failure.code, "BadFrame");
        EXPECT_FALSE(failure.id);
    }
    for (const std::string& payload :
         {std::string(R"({"type":"hello"})"), std::string(R"({"type":"hello","id":1.5})"),
          std::string(R"({"type":"hello","id":"1"})"), std::string(R"({"type":"hello","id":18446744073709551615})")}) {
        SCOPED_TRACE(payload);
        const RequestFailure failure = refused(payload);
        EXPECT_EQ(failure.code, "BadFrame");
        EXPECT_FALSE(failure.id);
        EXPECT_TRUE(contains(failure.message, "'id'")) << failure.message;
    }
    const RequestFailure noType = refused(R"({"id":12})");
    EXPECT_EQ(noType.code, "BadFrame");
    EXPECT_EQ(noType.id, 12);
    EXPECT_EQ(refused(R"({"id":12,"type":5})").code, "BadFrame");
}

TEST(EngineRequest, AnUnknownTypeIsUnknownRequestWithItsId)
{
    const RequestFailure failure = refused(R"({"type":"frobnicate","id":3})");
    EXPECT_EQ(failure.code, "UnknownRequest");
    EXPECT_EQ(failure.id, 3);
    EXPECT_TRUE(contains(failure.message, "\"frobnicate\"")) << failure.message;
    EXPECT_TRUE(contains(failure.message, "hello, check, run")) << failure.message;
}

TEST(EngineRequest, BadFieldsAreInvalidArgumentNamingTheField)
{
    struct Case {
        const char* payload;
        const char* mentions;
    };
    const Case cases[] = {
        {R"({"type":"hello","id":1})", "needs 'protocol'"},
        {R"({"type":"hello","id":1,"protocol":"1"})", "'protocol' of 'hello' must be an integer"},
        {R"({"type":"hello","id":1,"protocol":1,"client":3})", "'client'"},
        {R"({"type":"check","id":1})", "'check' needs 'pipeline' (text)"},
        {R"({"type":"run","id":1,"pipeline":["a"]})", "'pipeline' of 'run' must be text, not a list"},
        {R"({"type":"run","id":1,"pipeline":"x","options":[]})", "'options' of 'run' must be an object"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"backends":[]}})", "'backends'"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"backends":["tpu"]}})", "unknown backend \"tpu\""},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"backends":["cpu","cpu"]}})", "listed twice"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"repeat":0}})", "from 1 to 100000, not 0"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"repeat":2.0}})", "'repeat'"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"warmup":-1}})", "'warmup'"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"seed":-1}})", "'seed' of the run's options"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"threads":5000}})", "'threads'"},
        {R"({"type":"run","id":1,"pipeline":"x","options":{"fuse":1}})", "'fuse' of the run's options must be true"},
        {R"({"type":"cancel","id":1})", "needs 'run'"},
        {R"({"type":"fetch","id":1,"run":1})", "needs 'step'"},
        {R"({"type":"fetch","id":1,"run":1,"step":"a","max_elements":0})", "'max_elements'"},
        {R"({"type":"telemetry","id":1})", "needs 'rate_hz'"},
        {R"({"type":"telemetry","id":1,"rate_hz":51})", "from 0 to 50, not 51"},
        {R"({"type":"telemetry","id":1,"rate_hz":-0.5})", "'rate_hz'"},
        {R"({"type":"telemetry","id":1,"rate_hz":"fast"})", "must be a number"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.payload);
        const RequestFailure failure = refused(c.payload);
        EXPECT_EQ(failure.code, "InvalidArgument");
        EXPECT_EQ(failure.id, 1);
        EXPECT_TRUE(contains(failure.message, c.mentions)) << failure.message;
    }
}

TEST(EngineRequest, CodesAreTheProtocolsNames)
{
    std::set<std::string> names;
    for (int code = 0; code <= static_cast<int>(ErrorCode::Internal); ++code)
        EXPECT_TRUE(names.insert(std::string(codeName(static_cast<ErrorCode>(code)))).second);
    for (int code = 0; code <= static_cast<int>(ProtocolError::ProtocolMismatch); ++code)
        EXPECT_TRUE(names.insert(std::string(codeName(static_cast<ProtocolError>(code)))).second);
    EXPECT_EQ(names.size(), 15u);
    EXPECT_EQ(codeName(ErrorCode::DeviceLost), "DeviceLost");
    EXPECT_EQ(codeName(ErrorCode::InvalidArgument), "InvalidArgument");
    EXPECT_EQ(codeName(ProtocolError::Busy), "Busy");
    for (const std::string& name : names)
        EXPECT_TRUE(name.find(' ') == std::string::npos && std::isupper(static_cast<unsigned char>(name[0]))) << name;
}

} // namespace
} // namespace wb::engine
