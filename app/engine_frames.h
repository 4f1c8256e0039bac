#pragma once
// Frames of the engine protocol for Qt (docs/protocol.md, "Frames"): a u32 little-endian
// payload length, a kind byte ('J' JSON, 'B' binary), the payload. encodeFrame() makes
// one; FrameDecoder takes bytes as they arrive from the pipe and hands out whole frames.

#include <wb/engine.h>

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <optional>

namespace wb::app {

QByteArray encodeFrame(std::uint8_t kind, const QByteArray& payload);
QByteArray encodeJsonFrame(const QJsonObject& object); // compact JSON, kJsonFrame

// Not thread-safe; one decoder per stream. Bytes go in with append(); next() returns, in
// stream order, each whole frame, each oversized frame (its payload is read and dropped,
// as the engine does, so the stream stays in step), or one Corrupt result when a header has
// an unknown kind: the stream's framing is then lost, and the decoder ignores everything
// after it (the client restarts the engine).
class FrameDecoder {
public:
    struct Limits {
        std::uint32_t json = engine::kMaxJsonFrameBytes;
        std::uint32_t binary = engine::kMaxBinaryFrameBytes;
    };

    enum class Status {
        NeedMore, // no whole frame buffered yet
        Frame,    // kind and payload are set
        Dropped,  // a frame over its limit; message says which; its payload is skipped
        Corrupt,  // an unknown kind byte; message says which; nothing more is decoded
    };

    struct Result {
        Status status = Status::NeedMore;
        std::uint8_t kind = 0;
        QByteArray payload;
        QString message;
    };

    FrameDecoder() = default;
    explicit FrameDecoder(Limits limits);

    void append(const QByteArray& bytes);
    Result next();

    // Whether the bytes of a frame not yet whole (or of a dropped payload) are pending:
    // a stream that ends now ended in the middle of a frame.
    bool midFrame() const;
    bool corrupt() const { return m_corrupt; }

private:
    struct Header {
        std::uint32_t length = 0;
        std::uint8_t kind = 0;
    };
    // A frame's payload is reserved at once above this size, not grown read by read.
    static constexpr qsizetype kReserveAbove = 1 << 20;

    void compact();

    Limits m_limits{};
    QByteArray m_buffer;
    qsizetype m_offset = 0;         // bytes of m_buffer already handed out
    std::optional<Header> m_header; // of the frame whose payload is being read
    qint64 m_skipping = 0;          // payload bytes of a dropped frame still to discard
    bool m_corrupt = false;
};

} // namespace wb::app
