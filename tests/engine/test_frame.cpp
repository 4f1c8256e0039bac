// Frames of the engine protocol: the byte layout, limits, dropped and truncated frames,
// the writer from several threads, a closed output, interrupting a blocked read, tracing.

#include "engine/frame.h"

#include <wb/engine.h>
#include <wb/error.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace wb::engine {
namespace {

std::string frame(std::uint8_t kind, const std::string& payload)
{
    return frameHeader(kind, static_cast<std::uint32_t>(payload.size())) + payload;
}

std::vector<ReadResult> readAll(const std::string& bytes, FrameLimits limits = {})
{
    std::istringstream in(bytes);
    StreamSource source(in);
    FrameReader reader(source, limits);
    std::vector<ReadResult> results;
    for (;;) {
        results.push_back(reader.next());
        const ReadStatus status = results.back().status;
        if (status != ReadStatus::Frame && status != ReadStatus::Dropped)
            return results;
    }
}

class Pipe {
public:
    Pipe()
    {
        if (::pipe2(m_ends, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
    }
    ~Pipe()
    {
        closeRead();
        closeWrite();
    }
    int read() const { return m_ends[0]; }
    int write() const { return m_ends[1]; }
    void closeRead()
    {
        if (m_ends[0] >= 0)
            ::close(m_ends[0]);
        m_ends[0] = -1;
    }
    void closeWrite()
    {
        if (m_ends[1] >= 0)
            ::close(m_ends[1]);
        m_ends[1] = -1;
    }

private:
    int m_ends[2] = {-1, -1};
};

TEST(EngineFrame, HeaderIsALittleEndianLengthAndAKind)
{
    EXPECT_EQ(frameHeader('J', 0x01020304u), std::string("\x04\x03\x02\x01J", 5));
    EXPECT_EQ(frameHeader('B', 0), std::string("\0\0\0\0B", 5));
    EXPECT_EQ(kFrameHeaderBytes, 5u);
}

TEST(EngineFrame, FramesReadBackAsWritten)
{
    std::ostringstream out;
    StreamSink sink(out);
    FrameWriter writer(sink);
    const std::string binary("\0\x01\x02\xff", 4);
    ASSERT_TRUE(writer.write(kJsonFrame, R"({"type":"hello"})"));
    ASSERT_TRUE(writer.write({FrameView{kJsonFrame, "{}"}, FrameView{kBinaryFrame, binary}}));
    ASSERT_TRUE(writer.write(kJsonFrame, ""));
    const std::vector<ReadResult> frames = readAll(out.str());
    ASSERT_EQ(frames.size(), 5u);
    EXPECT_EQ(frames[0].payload, R"({"type":"hello"})");
    EXPECT_EQ(frames[0].kind, kJsonFrame);
    EXPECT_EQ(frames[0].length, 16u);
    EXPECT_EQ(frames[1].payload, "{}");
    EXPECT_EQ(frames[2].kind, kBinaryFrame);
    EXPECT_EQ(frames[2].payload, binary);
    EXPECT_EQ(frames[3].status, ReadStatus::Frame);
    EXPECT_EQ(frames[3].payload, "");
    EXPECT_EQ(frames[4].status, ReadStatus::End);
}

TEST(EngineFrame, OversizedAndUnknownFramesAreDroppedAndTheStreamStaysInStep)
{
    const std::string input = frame(kJsonFrame, std::string(101, 'x')) + frame('Q', std::string(70000, 'q')) +
                              frame(kBinaryFrame, "abc") + frame(kJsonFrame, "{}");
    const std::vector<ReadResult> frames = readAll(input, FrameLimits{100, 0});
    ASSERT_EQ(frames.size(), 5u);
    EXPECT_EQ(frames[0].status, ReadStatus::Dropped);
    EXPECT_EQ(frames[0].kind, kJsonFrame);
    EXPECT_EQ(frames[0].length, 101u);
    EXPECT_TRUE(frames[0].payload.empty());
    EXPECT_EQ(frames[1].status, ReadStatus::Dropped);
    EXPECT_EQ(frames[1].kind, 'Q');
    EXPECT_EQ(frames[1].length, 70000u);
    EXPECT_EQ(frames[2].status, ReadStatus::Dropped);
    EXPECT_EQ(frames[2].kind, kBinaryFrame);
    EXPECT_EQ(frames[3].status, ReadStatus::Frame);
    EXPECT_EQ(frames[3].payload, "{}");
    EXPECT_EQ(frames[4].status, ReadStatus::End);
    // At the limit is still a frame.
    EXPECT_EQ(readAll(frame(kJsonFrame, std::string(100, ' ')), FrameLimits{100, 0})[0].status, ReadStatus::Frame);
}

TEST(EngineFrame, AnInputThatEndsInsideAFrameIsTruncated)
{
    const std::string whole = frame(kJsonFrame, R"({"id":1})");
    for (std::size_t cut = 1; cut < whole.size(); ++cut) {
        SCOPED_TRACE(cut);
        const std::vector<ReadResult> frames = readAll(whole + whole.substr(0, cut));
        ASSERT_EQ(frames.size(), 2u);
        EXPECT_EQ(frames[0].status, ReadStatus::Frame);
        EXPECT_EQ(frames[1].status, ReadStatus::Truncated);
    }
    // Inside the payload of a frame being dropped, too.
    EXPECT_EQ(readAll(frameHeader('Z', 1000) + "short")[0].status, ReadStatus::Truncated);
    EXPECT_EQ(readAll("")[0].status, ReadStatus::End);
}

TEST(EngineFrame, WriterRefusesWhatTheProtocolForbids)
{
    std::ostringstream out;
    StreamSink sink(out);
    FrameWriter writer(sink);
    EXPECT_THROW(writer.write('X', "{}"), Error);
    EXPECT_THROW(writer.write(kJsonFrame, std::string(kMaxJsonFrameBytes + 1, ' ')), Error);
    EXPECT_TRUE(out.str().empty());
    EXPECT_FALSE(writer.broken());
}

TEST(EngineFrame, WritersOnSeveralThreadsNeverInterleave)
{
    std::ostringstream out;
    StreamSink sink(out);
    FrameWriter writer(sink);
    constexpr int kThreads = 4, kFrames = 300;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&writer, t] {
            for (int i = 0; i < kFrames; ++i) {
                // A JSON frame and a binary one that belong together, of varying sizes.
                const std::string json = "{\"thread\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}";
                const std::string binary(static_cast<std::size_t>(1 + (i * 37) % 5000), static_cast<char>('a' + t));
                writer.write({FrameView{kJsonFrame, json}, FrameView{kBinaryFrame, binary}});
            }
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    const std::vector<ReadResult> frames = readAll(out.str());
    ASSERT_EQ(frames.size(), static_cast<std::size_t>(2 * kThreads * kFrames + 1));
    std::set<std::string> seen;
    for (std::size_t i = 0; i + 1 < frames.size(); i += 2) {
        ASSERT_EQ(frames[i].kind, kJsonFrame);
        ASSERT_EQ(frames[i + 1].kind, kBinaryFrame);
        const std::string& json = frames[i].payload;
        const int t = json[10] - '0';
        const int index = std::stoi(json.substr(json.find("\"i\":") + 4));
        EXPECT_EQ(frames[i + 1].payload,
                  std::string(static_cast<std::size_t>(1 + (index * 37) % 5000), static_cast<char>('a' + t)));
        EXPECT_TRUE(seen.insert(json).second);
    }
}

TEST(EngineFrame, AClosedOutputBreaksTheWriterForGood)
{
    ::signal(SIGPIPE, SIG_IGN);
    Pipe pipe;
    FdSink sink(pipe.write());
    FrameWriter writer(sink);
    EXPECT_TRUE(writer.write(kJsonFrame, "{}"));
    pipe.closeRead();
    EXPECT_FALSE(writer.write(kJsonFrame, "{}"));
    EXPECT_TRUE(writer.broken());
    EXPECT_FALSE(writer.write(kJsonFrame, "{}"));
}

TEST(EngineFrame, InterruptWakesABlockedRead)
{
    Pipe pipe;
    FdSource source(pipe.read());
    FrameReader reader(source);
    ReadStatus status = ReadStatus::Frame;
    std::thread reading([&] { status = reader.next().status; });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source.interrupt();
    reading.join();
    EXPECT_EQ(status, ReadStatus::Interrupted);
    EXPECT_TRUE(source.interrupted());
    EXPECT_EQ(reader.next().status, ReadStatus::Interrupted);
}

TEST(EngineFrame, APipeDeliversFramesAndItsEnd)
{
    Pipe pipe;
    FdSource source(pipe.read());
    FrameReader reader(source);
    const std::string bytes = frame(kJsonFrame, R"({"a":1})") + frame(kBinaryFrame, std::string(200000, 'b'));
    std::thread writing([&] {
        FdSink sink(pipe.write());
        // Byte by byte at first: frames cut anywhere still arrive whole.
        for (std::size_t i = 0; i < 20; ++i)
            sink.write(bytes.data() + i, 1);
        sink.write(bytes.data() + 20, bytes.size() - 20);
        pipe.closeWrite();
    });
    const ReadResult first = reader.next();
    const ReadResult second = reader.next();
    const ReadResult end = reader.next();
    writing.join();
    EXPECT_EQ(first.payload, R"({"a":1})");
    EXPECT_EQ(second.payload.size(), 200000u);
    EXPECT_EQ(end.status, ReadStatus::End);
}

TEST(EngineFrame, TraceLinesShowFramesInBothDirections)
{
    std::ostringstream lines;
    FrameTrace trace(lines);
    std::ostringstream out;
    StreamSink sink(out);
    FrameWriter writer(sink, &trace);
    writer.write({FrameView{kJsonFrame, "{\"a\":\n1}"}, FrameView{kBinaryFrame, std::string(4194304, '\0')}});
    const std::string longJson = "\"" + std::string(10000, 'x') + "\"";
    std::istringstream in(frame(kJsonFrame, longJson) + frame('Z', "zz"));
    StreamSource source(in);
    FrameReader reader(source, {}, &trace);
    reader.next();
    reader.next();
    const std::string text = lines.str();
    EXPECT_EQ(text.substr(0, text.find("<-")), "-> {\"a\": 1}\n"
                                               "-> B 4194304 bytes\n");
    EXPECT_NE(text.find("<- \"" + std::string(FrameTrace::kMaxJsonChars - 1, 'x') + " ... (10002 bytes)\n"),
              std::string::npos)
        << text.substr(0, 200);
    EXPECT_NE(text.find("<- Z 2 bytes, dropped (unknown kind)\n"), std::string::npos) << text.substr(text.size() - 200);
}

} // namespace
} // namespace wb::engine
