// fftshift / ifftshift over every axis (numpy.fft.fftshift with axes=None): element i of
// an axis of length n moves to (i + n/2) mod n, and back with ifftshift, which differs
// for odd n. The op only moves bytes, so one loop serves every dtype.

#include "ops.h"
#include "parallel.h"

#include "core/operand_check.h"

#include <array>
#include <cstring>

namespace wb::cpu {

namespace {

constexpr std::int64_t kRowsPerChunk = 64;

class FftShiftOp final : public UnaryOp {
public:
    explicit FftShiftOp(const FftShiftDesc& desc)
        : m_desc(desc)
    {
        // Pad to 4-D with leading axes of length 1, which shift by nothing.
        const int pad = kMaxDims - desc.shape.ndim();
        for (int axis = 0; axis < kMaxDims; ++axis) {
            const std::int64_t n = axis < pad ? 1 : desc.shape[axis - pad];
            m_dims[axis] = n;
            m_shifts[axis] = desc.inverse ? n - n / 2 : n / 2;
        }
    }

    void run(const Array& in, Array& out) override
    {
        const char* op = m_desc.inverse ? "ifftshift" : "fftshift";
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), op, "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, Place::host(), op, "output");
        detail::requireSeparate(in, out, op);

        // The last axis is a rotation of each row: two memcpy calls per row, rows placed by
        // the shifts of the other three axes.
        const std::size_t element = sizeOf(m_desc.dtype);
        const std::int64_t n3 = m_dims[3], s3 = m_shifts[3];
        const std::size_t rowBytes = static_cast<std::size_t>(n3) * element;
        const std::size_t tailBytes = static_cast<std::size_t>(s3) * element;
        const auto* source = static_cast<const char*>(in.data());
        auto* target = static_cast<char*>(out.data());
        const std::int64_t rows = m_dims[0] * m_dims[1] * m_dims[2];
        parallelFor(rows, kRowsPerChunk, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t row = begin; row < end; ++row) {
                const std::int64_t i2 = row % m_dims[2];
                const std::int64_t i1 = row / m_dims[2] % m_dims[1];
                const std::int64_t i0 = row / (m_dims[2] * m_dims[1]);
                const std::int64_t to =
                    ((i0 + m_shifts[0]) % m_dims[0] * m_dims[1] + (i1 + m_shifts[1]) % m_dims[1]) * m_dims[2] +
                    (i2 + m_shifts[2]) % m_dims[2];
                const char* from = source + static_cast<std::size_t>(row) * rowBytes;
                char* dest = target + static_cast<std::size_t>(to) * rowBytes;
                std::memcpy(dest + tailBytes, from, rowBytes - tailBytes);
                std::memcpy(dest, from + (rowBytes - tailBytes), tailBytes);
            }
        });
    }

private:
    FftShiftDesc m_desc;
    std::array<std::int64_t, kMaxDims> m_dims{};
    std::array<std::int64_t, kMaxDims> m_shifts{};
};

} // namespace

std::unique_ptr<UnaryOp> prepareFftShift(const FftShiftDesc& desc)
{
    desc.validate();
    return std::make_unique<FftShiftOp>(desc);
}

} // namespace wb::cpu
