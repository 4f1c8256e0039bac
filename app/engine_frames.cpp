#include "engine_frames.h"

#include <QJsonDocument>

#include <algorithm>

namespace wb::app {

QByteArray encodeFrame(std::uint8_t kind, const QByteArray& payload)
{
    const auto length = static_cast<std::uint32_t>(payload.size());
    QByteArray frame;
    frame.reserve(static_cast<qsizetype>(engine::kFrameHeaderBytes) + payload.size());
    for (int shift = 0; shift < 32; shift += 8) {
        frame.append(static_cast<char>((length >> shift) & 0xffu));
    }
    frame.append(static_cast<char>(kind));
    frame.append(payload);
    return frame;
}

QByteArray encodeJsonFrame(const QJsonObject& object)
{
    return encodeFrame(engine::kJsonFrame, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

FrameDecoder::FrameDecoder(Limits limits)
    : m_limits(limits)
{
}

void FrameDecoder::append(const QByteArray& bytes)
{
    if (m_corrupt || bytes.isEmpty()) {
        return;
    }
    qsizetype from = 0;
    if (m_skipping > 0) {
        const qsizetype skipped = std::min<qint64>(m_skipping, bytes.size());
        m_skipping -= skipped;
        from = skipped;
    }
    if (from == 0) {
        m_buffer.append(bytes);
    } else if (from < bytes.size()) {
        m_buffer.append(bytes.constData() + from, bytes.size() - from);
    }
}

bool FrameDecoder::midFrame() const { return !m_corrupt && (m_skipping > 0 || m_header || m_buffer.size() > m_offset); }

void FrameDecoder::compact()
{
    if (m_offset > 0) {
        m_buffer.remove(0, m_offset);
        m_offset = 0;
    }
}

FrameDecoder::Result FrameDecoder::next()
{
    Result result;
    if (m_corrupt) {
        return result;
    }
    if (!m_header) {
        if (m_buffer.size() - m_offset < static_cast<qsizetype>(engine::kFrameHeaderBytes)) {
            compact();
            return result;
        }
        const auto* header = reinterpret_cast<const unsigned char*>(m_buffer.constData() + m_offset);
        const std::uint32_t length =
            static_cast<std::uint32_t>(header[0]) | static_cast<std::uint32_t>(header[1]) << 8 |
            static_cast<std::uint32_t>(header[2]) << 16 | static_cast<std::uint32_t>(header[3]) << 24;
        const std::uint8_t kind = header[4];
        m_offset += static_cast<qsizetype>(engine::kFrameHeaderBytes);
        result.kind = kind;
        if (kind != engine::kJsonFrame && kind != engine::kBinaryFrame) {
            m_corrupt = true;
            m_buffer.clear();
            m_offset = 0;
            result.status = Status::Corrupt;
            result.message = QStringLiteral("a frame of unknown kind 0x%1 (length field %2): the stream is out of step")
                                 .arg(kind, 2, 16, QLatin1Char('0'))
                                 .arg(length);
            return result;
        }
        const std::uint32_t limit = kind == engine::kJsonFrame ? m_limits.json : m_limits.binary;
        if (length > limit) {
            const qsizetype inBuffer = std::min<qsizetype>(m_buffer.size() - m_offset, length);
            m_offset += inBuffer;
            m_skipping = static_cast<qint64>(length) - inBuffer;
            result.status = Status::Dropped;
            result.message = QStringLiteral("a %1 frame of %2 bytes, over the limit of %3 bytes; dropped")
                                 .arg(kind == engine::kJsonFrame ? QStringLiteral("JSON") : QStringLiteral("binary"))
                                 .arg(length)
                                 .arg(limit);
            return result;
        }
        m_header = Header{length, kind};
    }
    const auto length = static_cast<qsizetype>(m_header->length);
    if (m_buffer.size() - m_offset < length) {
        // Only the payload stays in the buffer, from its start, so that a large frame ends
        // up as the whole buffer and is handed over without a copy.
        compact();
        if (length > kReserveAbove && m_buffer.capacity() < length) {
            m_buffer.reserve(length);
        }
        return result;
    }
    result.status = Status::Frame;
    result.kind = m_header->kind;
    m_header.reset();
    if (m_offset == 0 && m_buffer.size() == length) {
        result.payload = std::move(m_buffer);
        m_buffer = QByteArray();
    } else {
        result.payload = m_buffer.mid(m_offset, length);
        m_offset += length;
        if (m_offset == m_buffer.size()) {
            m_buffer.clear();
            m_offset = 0;
        }
    }
    return result;
}

} // namespace wb::app
