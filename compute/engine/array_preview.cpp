#include "array_preview.h"

#include <wb/error.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace wb::engine {

static_assert(std::endian::native == std::endian::little, "the protocol's binary frames are little-endian");

namespace {

std::int64_t ceilDiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Elements kept when no axis keeps more than `cap`, each axis with the smallest stride that
// gets it there; saturates at `limit` + 1 so that the product cannot overflow.
std::int64_t keptWithCap(const Shape& shape, std::int64_t cap, std::int64_t limit)
{
    std::int64_t total = 1;
    for (const std::int64_t n : shape) {
        const std::int64_t kept = n == 0 ? 0 : ceilDiv(n, ceilDiv(n, cap));
        if (kept == 0)
            return 0;
        if (total > limit / kept)
            return limit + 1;
        total *= kept;
    }
    return total;
}

} // namespace

std::vector<std::int64_t> previewStrides(const Shape& shape, std::int64_t maxElements)
{
    if (maxElements < 1)
        fail(ErrorCode::InvalidArgument, "a preview needs room for at least one element");
    std::vector<std::int64_t> strides(static_cast<std::size_t>(shape.ndim()), 1);
    if (shape.numel() <= maxElements)
        return strides;
    // The kept count grows with the cap, so the largest cap that fits is found by bisection:
    // a cap of 1 keeps one element, which always fits.
    std::int64_t low = 1, high = *std::max_element(shape.begin(), shape.end());
    while (low < high) {
        const std::int64_t middle = low + (high - low + 1) / 2;
        if (keptWithCap(shape, middle, maxElements) <= maxElements)
            low = middle;
        else
            high = middle - 1;
    }
    for (int axis = 0; axis < shape.ndim(); ++axis) {
        const std::int64_t n = shape[axis];
        strides[static_cast<std::size_t>(axis)] = n == 0 ? 1 : ceilDiv(n, low);
    }
    return strides;
}

Shape previewShape(const Shape& shape, const std::vector<std::int64_t>& strides)
{
    if (static_cast<int>(strides.size()) != shape.ndim())
        fail(ErrorCode::InvalidArgument, "preview strides for " + std::to_string(strides.size()) + " axes, but shape " +
                                             shape.toString() + " has " + std::to_string(shape.ndim()));
    Shape kept;
    for (int axis = 0; axis < shape.ndim(); ++axis) {
        const std::int64_t stride = strides[static_cast<std::size_t>(axis)];
        if (stride < 1)
            fail(ErrorCode::InvalidArgument, "a preview stride must be at least 1");
        kept.append(ceilDiv(shape[axis], stride));
    }
    return kept;
}

std::string previewBytes(const Array& host, const std::vector<std::int64_t>& strides)
{
    if (!host.place().isHost())
        fail(ErrorCode::InvalidArgument, "a preview is made from a host array, not one on " + host.place().toString());
    const Shape kept = previewShape(host.shape(), strides);
    const std::size_t elementBytes = sizeOf(host.dtype());
    std::string bytes(static_cast<std::size_t>(kept.numel()) * elementBytes, '\0');
    if (bytes.empty())
        return bytes;
    const int ndim = kept.ndim();
    const auto* source = static_cast<const char*>(host.data());
    // Source step, in bytes, from one kept element to the next along each axis.
    std::int64_t step[kMaxDims] = {};
    for (int axis = 0; axis < ndim; ++axis)
        step[axis] = host.strides()[static_cast<std::size_t>(axis)] * strides[static_cast<std::size_t>(axis)] *
                     static_cast<std::int64_t>(elementBytes);
    std::int64_t index[kMaxDims] = {};
    char* out = bytes.data();
    for (std::int64_t i = 0; i < kept.numel(); ++i) {
        std::int64_t offset = 0;
        for (int axis = 0; axis < ndim; ++axis)
            offset += index[axis] * step[axis];
        std::memcpy(out, source + offset, elementBytes);
        out += elementBytes;
        for (int axis = ndim - 1; axis >= 0; --axis) {
            if (++index[axis] < kept[axis])
                break;
            index[axis] = 0;
        }
    }
    return bytes;
}

} // namespace wb::engine
