#include <wb/array.h>
#include <wb/error.h>

#include <cstdlib>
#include <limits>
#include <sstream>

namespace wb {

// ---- Shape ------------------------------------------------------------------------------

Shape::Shape(std::initializer_list<std::int64_t> dims)
{
    if (dims.size() > kMaxDims)
        fail(ErrorCode::ShapeMismatch,
             "arrays have at most " + std::to_string(kMaxDims) + " dimensions, got " + std::to_string(dims.size()));
    for (std::int64_t d : dims)
        append(d);
}

void Shape::append(std::int64_t size)
{
    if (m_ndim == kMaxDims)
        fail(ErrorCode::ShapeMismatch, "arrays have at most " + std::to_string(kMaxDims) + " dimensions");
    if (size < 0)
        fail(ErrorCode::ShapeMismatch, "negative dimension " + std::to_string(size));
    m_dims[m_ndim++] = size;
}

std::int64_t Shape::operator[](int axis) const
{
    const int index = axis < 0 ? axis + m_ndim : axis;
    if (index < 0 || index >= m_ndim)
        fail(ErrorCode::ShapeMismatch, "axis " + std::to_string(axis) + " out of range for shape " + toString());
    return m_dims[index];
}

std::int64_t Shape::numel() const
{
    std::int64_t n = 1;
    for (int i = 0; i < m_ndim; ++i) {
        if (m_dims[i] != 0 && n > std::numeric_limits<std::int64_t>::max() / m_dims[i])
            fail(ErrorCode::OutOfMemory, "shape " + toString() + " has more elements than can be addressed");
        n *= m_dims[i];
    }
    return n;
}

Shape Shape::with(int axis, std::int64_t size) const
{
    const int index = axis < 0 ? axis + m_ndim : axis;
    if (index < 0 || index >= m_ndim)
        fail(ErrorCode::ShapeMismatch, "axis " + std::to_string(axis) + " out of range for shape " + toString());
    Shape copy = *this;
    copy.m_dims[index] = size;
    return copy;
}

std::string Shape::toString() const
{
    std::ostringstream out;
    out << '(';
    for (int i = 0; i < m_ndim; ++i)
        out << (i ? ", " : "") << m_dims[i];
    if (m_ndim == 1)
        out << ',';
    out << ')';
    return out.str();
}

std::string Place::toString() const { return isHost() ? "host" : "cuda:" + std::to_string(device); }

// ---- Allocator --------------------------------------------------------------------------

MemoryStats Allocator::stats() const { return {m_current.load(), m_peak.load(), m_allocations.load()}; }

void Allocator::resetPeak() { m_peak.store(m_current.load()); }

void Allocator::recordAllocate(std::size_t bytes)
{
    const std::uint64_t now = m_current.fetch_add(bytes) + bytes;
    std::uint64_t peak = m_peak.load();
    while (now > peak && !m_peak.compare_exchange_weak(peak, now)) {
    }
    m_allocations.fetch_add(1);
}

void Allocator::recordDeallocate(std::size_t bytes) { m_current.fetch_sub(bytes); }

namespace {

class HostAllocator final : public Allocator {
public:
    Place place() const override { return Place::host(); }

    void* allocate(std::size_t bytes) override
    {
        // 64-byte alignment serves AVX-512 loads and lets FFTW reuse plans across buffers.
        const std::size_t rounded = (bytes + 63) / 64 * 64;
        void* ptr = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
        if (!ptr)
            fail(ErrorCode::OutOfMemory, "host allocation of " + std::to_string(bytes) + " bytes failed");
        recordAllocate(bytes);
        return ptr;
    }

    void deallocate(void* ptr, std::size_t bytes) noexcept override
    {
        std::free(ptr);
        recordDeallocate(bytes);
    }
};

} // namespace

Allocator& hostAllocator()
{
    static HostAllocator allocator;
    return allocator;
}

// ---- Buffer and Array -------------------------------------------------------------------

Buffer::Buffer(Allocator& allocator, std::size_t bytes)
    : m_allocator(allocator)
    , m_bytes(bytes)
    , m_data(allocator.allocate(bytes))
{
}

Buffer::~Buffer() { m_allocator.deallocate(m_data, m_bytes); }

std::array<std::int64_t, kMaxDims> contiguousStrides(const Shape& shape)
{
    std::array<std::int64_t, kMaxDims> strides{};
    std::int64_t stride = 1;
    for (int i = shape.ndim() - 1; i >= 0; --i) {
        strides[i] = stride;
        stride *= shape[i];
    }
    return strides;
}

Array Array::empty(const Shape& shape, DType dtype, Allocator& allocator)
{
    const std::int64_t n = shape.numel();
    if (static_cast<std::uint64_t>(n) > std::numeric_limits<std::size_t>::max() / sizeOf(dtype))
        fail(ErrorCode::OutOfMemory, "array " + std::string(name(dtype)) + " " + shape.toString() + " is too large");
    Array array;
    array.m_buffer = std::make_shared<Buffer>(allocator, static_cast<std::size_t>(n) * sizeOf(dtype));
    array.m_shape = shape;
    array.m_strides = contiguousStrides(shape);
    array.m_dtype = dtype;
    return array;
}

Array Array::emptyHost(const Shape& shape, DType dtype) { return empty(shape, dtype, hostAllocator()); }

bool Array::isContiguous() const { return m_strides == contiguousStrides(m_shape); }

Place Array::place() const { return m_buffer ? m_buffer->place() : Place::host(); }

void* Array::data() const
{
    if (!m_buffer)
        return nullptr;
    return static_cast<char*>(m_buffer->data()) + m_offsetBytes;
}

Array Array::reshape(const Shape& shape) const
{
    if (!isContiguous())
        fail(ErrorCode::Unsupported, "reshape of a non-contiguous array");
    if (shape.numel() != numel())
        fail(ErrorCode::ShapeMismatch, "cannot reshape " + m_shape.toString() + " to " + shape.toString());
    Array copy = *this;
    copy.m_shape = shape;
    copy.m_strides = contiguousStrides(shape);
    return copy;
}

Array Array::at(std::int64_t index) const
{
    if (!isContiguous() || ndim() < 1)
        fail(ErrorCode::Unsupported, "indexing needs a contiguous array of at least one dimension");
    if (index < 0 || index >= m_shape[0])
        fail(ErrorCode::ShapeMismatch,
             "index " + std::to_string(index) + " out of range for the first axis of " + m_shape.toString());
    Shape rest;
    for (int axis = 1; axis < ndim(); ++axis)
        rest.append(m_shape[axis]);
    Array view = *this;
    view.m_shape = rest;
    view.m_strides = contiguousStrides(rest);
    view.m_offsetBytes += static_cast<std::size_t>(index * m_strides[0]) * sizeOf(m_dtype);
    return view;
}

std::string Array::describe() const
{
    return std::string(name(m_dtype)) + " " + m_shape.toString() + " on " + place().toString();
}

} // namespace wb
