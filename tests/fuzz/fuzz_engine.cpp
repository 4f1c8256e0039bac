// libFuzzer target for what the engine reads from its client (compute/engine/frame.h and
// request.h): any bytes go through the frame reader, handed over in pieces of varying size,
// and every JSON frame through the request parser. The target aborts, and libFuzzer reports
// the input, when a promise breaks:
//   - the reader keeps in step: each frame or dropped frame accounts for its header and
//     length, a frame's payload is its length and within its kind's limit, a dropped one is
//     of an unknown kind or over the limit, and the input ends between frames exactly when
//     the reader says End (Truncated otherwise);
//   - frames written back by the writer read back the same;
//   - parseRequest() never throws; a request has a known type, the body of that type and
//     fields within their documented ranges; a refusal has a protocol code and a message,
//     and only BadFrame comes without an id.
// Built with clang++ -fsanitize=fuzzer,address,undefined (tests/fuzz/CMakeLists.txt).

#include "engine/frame.h"
#include "engine/request.h"

#include <wb/engine.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace wb::engine;

[[noreturn]] void reject(const char* broken, const std::string& detail = {})
{
    std::fprintf(stderr, "fuzz_engine: %s\n%s\n", broken, detail.c_str());
    std::abort();
}

// The input in pieces: the first byte sets the largest piece a read returns, so frames
// arrive cut at every place a pipe may cut them.
class PieceSource final : public ByteSource {
public:
    PieceSource(std::string_view bytes, std::size_t piece)
        : m_bytes(bytes)
        , m_piece(piece)
    {
    }
    std::size_t read(void* buffer, std::size_t size) override
    {
        const std::size_t n = std::min({size, m_piece, m_bytes.size() - m_offset});
        std::copy_n(m_bytes.data() + m_offset, n, static_cast<char*>(buffer));
        m_offset += n;
        return n;
    }
    void interrupt() override {}
    bool interrupted() const override { return false; }
    std::size_t consumed() const { return m_offset; }

private:
    std::string_view m_bytes;
    std::size_t m_piece;
    std::size_t m_offset = 0;
};

void checkRequest(const std::string& payload)
{
    std::variant<Request, RequestFailure> parsed;
    try {
        parsed = parseRequest(payload);
    } catch (const std::exception& error) {
        reject("parseRequest() threw", error.what());
    }
    if (const auto* failure = std::get_if<RequestFailure>(&parsed)) {
        static const std::set<std::string> codes{"BadFrame", "UnknownRequest", "InvalidArgument"};
        if (!codes.count(failure->code))
            reject("a refusal with an unexpected code", failure->code);
        if (failure->message.empty())
            reject("a refusal without a message", failure->code);
        if (!failure->id && failure->code != "BadFrame")
            reject("a refusal without an id that is not BadFrame", failure->code + ": " + failure->message);
        return;
    }
    const Request& request = std::get<Request>(parsed);
    const auto& types = requestTypes();
    const auto type = std::find(types.begin(), types.end(), request.type);
    if (type == types.end())
        reject("a request of an unknown type", request.type);
    static const std::vector<std::size_t> bodyOf{0, 1, 2, 3, 4, 6, 7, 5}; // requestTypes() order -> RequestBody
    if (request.body.index() != bodyOf[static_cast<std::size_t>(type - types.begin())])
        reject("a request whose body is not of its type", request.type);
    if (const auto* run = std::get_if<RunRequest>(&request.body)) {
        const RunOverrides& options = run->options;
        if ((options.repeat && (*options.repeat < 1 || *options.repeat > 100000)) ||
            (options.warmup && (*options.warmup < 0 || *options.warmup > 100000)) ||
            (options.threads && (*options.threads < 0 || *options.threads > 4096)))
            reject("run options out of range");
        if (options.backends) {
            if (options.backends->empty())
                reject("an empty list of backends");
            for (const std::string& backend : *options.backends)
                if (backend != "cpu" && backend != "gpu")
                    reject("an unknown backend", backend);
        }
    } else if (const auto* fetch = std::get_if<FetchRequest>(&request.body)) {
        if (fetch->maxElements < 1)
            reject("max_elements below 1");
    } else if (const auto* telemetry = std::get_if<TelemetryRequest>(&request.body)) {
        if (!(telemetry->rateHz >= 0 && telemetry->rateHz <= 50))
            reject("a telemetry rate out of range");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::size_t piece = 1 + data[0] % 64;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    // Small limits, so that dropping is reached without megabytes of input.
    const FrameLimits limits{256, static_cast<std::uint32_t>(data[0] % 4 == 0 ? 0 : 128)};
    PieceSource source(input, piece);
    FrameReader reader(source, limits);
    std::vector<std::pair<std::uint8_t, std::string>> frames;
    std::size_t accounted = 0;
    for (;;) {
        ReadResult result;
        try {
            result = reader.next();
        } catch (const std::exception& error) {
            reject("the frame reader threw", error.what());
        }
        if (result.status == ReadStatus::End) {
            if (accounted != input.size())
                reject("End before the input was read",
                       std::to_string(accounted) + " of " + std::to_string(input.size()) + " bytes");
            break;
        }
        if (result.status == ReadStatus::Truncated) {
            if (accounted >= input.size() || source.consumed() != input.size())
                reject("Truncated at a frame boundary or before the end");
            break;
        }
        if (result.status == ReadStatus::Interrupted)
            reject("Interrupted without an interrupt");
        accounted += kFrameHeaderBytes + result.length;
        if (accounted != source.consumed())
            reject("the reader is out of step with the input");
        const bool known = result.kind == kJsonFrame || result.kind == kBinaryFrame;
        const std::uint32_t limit = result.kind == kJsonFrame ? limits.json : limits.binary;
        if (result.status == ReadStatus::Frame) {
            if (!known || result.length > limit || result.payload.size() != result.length)
                reject("a frame beyond its kind's limit or of the wrong size");
            if (result.kind == kJsonFrame)
                checkRequest(result.payload);
            frames.emplace_back(result.kind, std::move(result.payload));
        } else if (known && result.length <= limit) {
            reject("a frame within its limit was dropped");
        }
    }

    // What was read, written again, reads back the same.
    std::ostringstream out;
    StreamSink sink(out);
    FrameWriter writer(sink);
    for (const auto& [kind, payload] : frames)
        if (!writer.write(kind, payload))
            reject("the writer failed on a string stream");
    std::istringstream in(out.str());
    StreamSource again(in);
    FrameReader reread(again, limits);
    for (const auto& [kind, payload] : frames) {
        const ReadResult result = reread.next();
        if (result.status != ReadStatus::Frame || result.kind != kind || result.payload != payload)
            reject("a frame written back does not read back the same");
    }
    if (reread.next().status != ReadStatus::End)
        reject("frames written back have more after them");
    return 0;
}
