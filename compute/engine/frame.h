#pragma once
// Frames of the engine protocol (docs/protocol.md, "Frames"; the layout and limits are in
// wb/engine.h) over byte streams. The reader turns a stream into frames and says what was
// wrong with those it could not deliver; the writer puts frames on a stream from any thread.
// The streams are small interfaces, so the engine uses its standard input and output and the
// tests use pipes or string streams.

#include <wb/engine.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>

namespace wb::engine {

// Bytes in. read() blocks until some bytes are there and returns how many it read (at most
// `size`), or 0 at the end of the input and once interrupt() has been called.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual std::size_t read(void* buffer, std::size_t size) = 0;
    // Makes a read() blocked on another thread, and every later one, return 0. Thread-safe.
    virtual void interrupt() = 0;
    virtual bool interrupted() const = 0;
};

// Bytes out. write() writes all of `size` bytes, or returns false when the other side has
// gone (a closed pipe); the frame writer then stops writing. One thread at a time.
class ByteSink {
public:
    virtual ~ByteSink() = default;
    virtual bool write(const void* data, std::size_t size) = 0;
};

// A file descriptor, not owned: the engine's standard input, one end of a pipe. interrupt()
// wakes a blocked read() through a pipe of its own (poll on both). Read errors other than
// EINTR count as the end of the input, with the reason on stderr.
class FdSource final : public ByteSource {
public:
    explicit FdSource(int fd); // throws Io when the wake-up pipe cannot be made
    ~FdSource() override;
    FdSource(const FdSource&) = delete;
    FdSource& operator=(const FdSource&) = delete;

    std::size_t read(void* buffer, std::size_t size) override;
    void interrupt() override;
    bool interrupted() const override { return m_interrupted.load(); }

private:
    int m_fd;
    int m_wake[2] = {-1, -1};
    std::atomic<bool> m_interrupted{false};
};

// A file descriptor, not owned. A closed reader (EPIPE) makes write() return false; the
// process must ignore SIGPIPE for that (the engine command does).
class FdSink final : public ByteSink {
public:
    explicit FdSink(int fd)
        : m_fd(fd)
    {
    }
    bool write(const void* data, std::size_t size) override;

private:
    int m_fd;
};

// A std::istream, not owned (tests: a string stream of frames). read() never blocks for
// long, so interrupt() only makes later reads return 0.
class StreamSource final : public ByteSource {
public:
    explicit StreamSource(std::istream& in)
        : m_in(in)
    {
    }
    std::size_t read(void* buffer, std::size_t size) override;
    void interrupt() override { m_interrupted = true; }
    bool interrupted() const override { return m_interrupted.load(); }

private:
    std::istream& m_in;
    std::atomic<bool> m_interrupted{false};
};

class StreamSink final : public ByteSink {
public:
    explicit StreamSink(std::ostream& out)
        : m_out(out)
    {
    }
    bool write(const void* data, std::size_t size) override;

private:
    std::ostream& m_out;
};

// WB_ENGINE_TRACE=1: one line per frame read or written, `<- {"type":"run",...}` or
// `-> B 4194304 bytes`, on a stream shared by every thread. JSON longer than kMaxJsonChars
// is cut, with its size; line breaks inside it become spaces, so a frame stays one line.
class FrameTrace {
public:
    explicit FrameTrace(std::ostream& out)
        : m_out(out)
    {
    }
    // True when WB_ENGINE_TRACE is 1 in the environment.
    static bool requested();

    static constexpr std::size_t kMaxJsonChars = 4096;

    // `incoming`: read by this side ("<-"), else written ("->").
    void frame(bool incoming, std::uint8_t kind, std::string_view payload);
    // Anything else worth a line: a dropped frame, a truncated stream.
    void note(bool incoming, const std::string& text);

private:
    void line(const std::string& text);

    std::mutex m_mutex;
    std::ostream& m_out;
};

// What FrameReader::next() found.
enum class ReadStatus {
    Frame,       // a whole frame within its kind's limit: `payload` holds it
    End,         // the input ended between frames (or was empty)
    Truncated,   // the input ended inside a frame
    Dropped,     // a frame of an unknown kind or longer than its kind's limit; its payload was skipped
    Interrupted, // the source was interrupted
};

struct ReadResult {
    ReadStatus status = ReadStatus::End;
    std::uint8_t kind = 0;    // from the header: Frame, Dropped, and Truncated after a whole header
    std::uint32_t length = 0; // the payload length from the header, for the same
    std::string payload;      // Frame only
};

// The largest payload kept per kind; longer ones are skipped and reported as Dropped. The
// engine keeps no binary frames (protocol 1 never asks the client for one).
struct FrameLimits {
    std::uint32_t json = kMaxJsonFrameBytes;
    std::uint32_t binary = kMaxBinaryFrameBytes;
};

// One thread reads. A dropped payload is read and discarded in chunks, never held, so the
// stream stays in step whatever the length says.
class FrameReader {
public:
    explicit FrameReader(ByteSource& source, FrameLimits limits = {}, FrameTrace* trace = nullptr)
        : m_source(source)
        , m_limits(limits)
        , m_trace(trace)
    {
    }

    ReadResult next();

private:
    // Bytes read into buffer until `size` or the input ends.
    std::size_t readFully(void* buffer, std::size_t size);
    ReadStatus ended() const { return m_source.interrupted() ? ReadStatus::Interrupted : ReadStatus::Truncated; }

    ByteSource& m_source;
    FrameLimits m_limits;
    FrameTrace* m_trace;
};

struct FrameView {
    std::uint8_t kind = kJsonFrame;
    std::string_view payload;
};

// Thread-safe: the frames of one write() go out together, nothing from another thread
// between them (a fetch reply and its binary frame).
class FrameWriter {
public:
    explicit FrameWriter(ByteSink& sink, FrameTrace* trace = nullptr)
        : m_sink(sink)
        , m_trace(trace)
    {
    }

    // False when the sink has gone, now or before (nothing is written then). Throws Internal
    // for a kind other than 'J' and 'B' or a payload over its kind's limit (wb/engine.h).
    bool write(std::initializer_list<FrameView> frames);
    bool write(std::uint8_t kind, std::string_view payload) { return write({FrameView{kind, payload}}); }
    bool broken() const { return m_broken.load(); }

private:
    std::mutex m_mutex;
    ByteSink& m_sink;
    FrameTrace* m_trace;
    std::atomic<bool> m_broken{false};
};

// The five header bytes of a frame.
std::string frameHeader(std::uint8_t kind, std::uint32_t length);

} // namespace wb::engine
