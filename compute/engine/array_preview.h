#pragma once
// What `fetch` sends (docs/protocol.md): an array cut down to a number of elements by
// keeping every stride-th element along each axis, as the bytes of a binary frame.

#include <wb/array.h>

#include <cstdint>
#include <string>
#include <vector>

namespace wb::engine {

// Per axis, the step between kept elements, so that the kept array, ceil(n / stride) along
// each axis, has at most maxElements (>= 1) elements. Every axis is cut to about the same
// length, so a large image keeps its aspect and short axes (colour channels) stay whole
// while the others are longer. All ones when the array fits; empty for a 0-D shape.
std::vector<std::int64_t> previewStrides(const Shape& shape, std::int64_t maxElements);

// The shape of the kept array.
Shape previewShape(const Shape& shape, const std::vector<std::int64_t>& strides);

// The kept elements of a host array (any strides), row-major, in the array's dtype and the
// machine's byte order (little-endian on every platform Warpbench builds for). Throws
// InvalidArgument for a device array or strides that do not match its shape.
std::string previewBytes(const Array& host, const std::vector<std::int64_t>& strides);

} // namespace wb::engine
