#include "frame.h"

#include <wb/error.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace wb::engine {

namespace {

// What a dropped payload is read through.
constexpr std::size_t kSkipChunkBytes = 64 * 1024;

std::string kindText(std::uint8_t kind)
{
    if (kind >= 0x20 && kind < 0x7f)
        return std::string(1, static_cast<char>(kind));
    char text[8];
    std::snprintf(text, sizeof text, "0x%02x", kind);
    return text;
}

std::uint32_t limitFor(std::uint8_t kind) { return kind == kJsonFrame ? kMaxJsonFrameBytes : kMaxBinaryFrameBytes; }

} // namespace

// ---- Byte streams -----------------------------------------------------------------------

FdSource::FdSource(int fd)
    : m_fd(fd)
{
    if (::pipe2(m_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        fail(ErrorCode::Io, std::string("cannot make the engine's wake-up pipe: ") + std::strerror(errno));
}

FdSource::~FdSource()
{
    ::close(m_wake[0]);
    ::close(m_wake[1]);
}

std::size_t FdSource::read(void* buffer, std::size_t size)
{
    for (;;) {
        if (m_interrupted.load())
            return 0;
        std::array<pollfd, 2> fds{pollfd{m_fd, POLLIN, 0}, pollfd{m_wake[0], POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            std::fprintf(stderr, "warpbench engine: poll on the input failed: %s\n", std::strerror(errno));
            return 0;
        }
        if (fds[1].revents != 0 || m_interrupted.load())
            return 0;
        // POLLHUP with data still buffered reads the data first; read() says 0 at the end.
        const ssize_t got = ::read(m_fd, buffer, size);
        if (got >= 0)
            return static_cast<std::size_t>(got);
        if (errno == EINTR || errno == EAGAIN)
            continue;
        std::fprintf(stderr, "warpbench engine: reading the input failed: %s\n", std::strerror(errno));
        return 0;
    }
}

void FdSource::interrupt()
{
    m_interrupted = true;
    const char byte = 1;
    // The pipe is non-blocking: when it is full, a wake-up is pending anyway.
    [[maybe_unused]] const ssize_t written = ::write(m_wake[1], &byte, 1);
}

bool FdSink::write(const void* data, std::size_t size)
{
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(m_fd, bytes, size);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

std::size_t StreamSource::read(void* buffer, std::size_t size)
{
    if (m_interrupted.load() || !m_in.good())
        return 0;
    m_in.read(static_cast<char*>(buffer), static_cast<std::streamsize>(size));
    return static_cast<std::size_t>(m_in.gcount());
}

bool StreamSink::write(const void* data, std::size_t size)
{
    m_out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    m_out.flush();
    return m_out.good();
}

// ---- Tracing ----------------------------------------------------------------------------

bool FrameTrace::requested()
{
    const char* value = std::getenv("WB_ENGINE_TRACE");
    return value && std::string_view(value) == "1";
}

void FrameTrace::frame(bool incoming, std::uint8_t kind, std::string_view payload)
{
    std::string text = incoming ? "<- " : "-> ";
    if (kind != kJsonFrame) {
        text += kindText(kind) + " " + std::to_string(payload.size()) + " bytes";
    } else {
        const std::size_t kept = std::min(payload.size(), kMaxJsonChars);
        std::string json(payload.substr(0, kept));
        std::replace_if(
            json.begin(), json.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
        text += json;
        if (kept < payload.size())
            text += " ... (" + std::to_string(payload.size()) + " bytes)";
    }
    line(text);
}

void FrameTrace::note(bool incoming, const std::string& text) { line((incoming ? "<- " : "-> ") + text); }

void FrameTrace::line(const std::string& text)
{
    const std::lock_guard lock(m_mutex);
    m_out << text << '\n';
    m_out.flush();
}

// ---- Reading ----------------------------------------------------------------------------

std::size_t FrameReader::readFully(void* buffer, std::size_t size)
{
    auto* bytes = static_cast<char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        const std::size_t got = m_source.read(bytes + done, size - done);
        if (got == 0)
            break;
        done += got;
    }
    return done;
}

ReadResult FrameReader::next()
{
    ReadResult result;
    unsigned char header[kFrameHeaderBytes];
    const std::size_t got = readFully(header, sizeof header);
    if (got < sizeof header) {
        result.status = got == 0 && !m_source.interrupted() ? ReadStatus::End : ended();
        if (result.status == ReadStatus::Truncated && m_trace)
            m_trace->note(true, "input ended inside a frame header (" + std::to_string(got) + " of 5 bytes)");
        return result;
    }
    result.length = static_cast<std::uint32_t>(header[0]) | static_cast<std::uint32_t>(header[1]) << 8 |
                    static_cast<std::uint32_t>(header[2]) << 16 | static_cast<std::uint32_t>(header[3]) << 24;
    result.kind = header[4];
    const bool known = result.kind == kJsonFrame || result.kind == kBinaryFrame;
    const std::uint32_t limit = result.kind == kJsonFrame ? m_limits.json : m_limits.binary;
    if (known && result.length <= limit) {
        result.payload.resize(result.length);
        if (readFully(result.payload.data(), result.length) < result.length) {
            result.payload.clear();
            result.status = ended();
            if (result.status == ReadStatus::Truncated && m_trace)
                m_trace->note(true, "input ended inside a frame of " + std::to_string(result.length) + " bytes");
            return result;
        }
        result.status = ReadStatus::Frame;
        if (m_trace)
            m_trace->frame(true, result.kind, result.payload);
        return result;
    }
    std::array<char, kSkipChunkBytes> chunk;
    for (std::uint32_t left = result.length; left > 0;) {
        const std::size_t want = std::min<std::size_t>(left, chunk.size());
        const std::size_t skipped = readFully(chunk.data(), want);
        if (skipped < want) {
            result.status = ended();
            return result;
        }
        left -= static_cast<std::uint32_t>(skipped);
    }
    result.status = ReadStatus::Dropped;
    if (m_trace)
        m_trace->note(true, kindText(result.kind) + " " + std::to_string(result.length) + " bytes, dropped (" +
                                (!known       ? std::string("unknown kind")
                                 : limit == 0 ? std::string("not accepted here")
                                              : "over the limit of " + std::to_string(limit) + " bytes") +
                                ")");
    return result;
}

// ---- Writing ----------------------------------------------------------------------------

std::string frameHeader(std::uint8_t kind, std::uint32_t length)
{
    std::string header(kFrameHeaderBytes, '\0');
    for (int i = 0; i < 4; ++i)
        header[static_cast<std::size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xff);
    header[4] = static_cast<char>(kind);
    return header;
}

bool FrameWriter::write(std::initializer_list<FrameView> frames)
{
    for (const FrameView& frame : frames) {
        if (frame.kind != kJsonFrame && frame.kind != kBinaryFrame)
            fail(ErrorCode::Internal, "a frame of unknown kind " + kindText(frame.kind));
        if (frame.payload.size() > limitFor(frame.kind))
            fail(ErrorCode::Internal,
                 "a " + kindText(frame.kind) + " frame of " + std::to_string(frame.payload.size()) +
                     " bytes, over the protocol's limit of " + std::to_string(limitFor(frame.kind)));
    }
    const std::lock_guard lock(m_mutex);
    if (m_broken.load())
        return false;
    for (const FrameView& frame : frames) {
        const std::string header = frameHeader(frame.kind, static_cast<std::uint32_t>(frame.payload.size()));
        if (!m_sink.write(header.data(), header.size()) || !m_sink.write(frame.payload.data(), frame.payload.size())) {
            m_broken = true;
            if (m_trace)
                m_trace->note(false, "output closed; nothing more is written");
            return false;
        }
        if (m_trace)
            m_trace->frame(false, frame.kind, frame.payload);
    }
    return true;
}

} // namespace wb::engine
