#pragma once
// Arrays: a dtype, a shape of up to four dimensions, strides, and a buffer that lives on
// the host or on one CUDA device. Buffers come from an Allocator, which counts bytes so
// that memory figures shown to the user are real.

#include <wb/dtype.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

namespace wb {

inline constexpr int kMaxDims = 4;

// Dimensions in row-major (C) order; the last dimension varies fastest.
class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<std::int64_t> dims); // throws ShapeMismatch beyond 4-D or for negative sizes

    int ndim() const { return m_ndim; }
    std::int64_t operator[](int axis) const; // negative axes count from the end
    std::int64_t numel() const;              // 1 for a 0-D shape
    const std::int64_t* begin() const { return m_dims.data(); }
    const std::int64_t* end() const { return m_dims.data() + m_ndim; }

    // A copy with dimension `axis` replaced (negative axes count from the end).
    Shape with(int axis, std::int64_t size) const;
    void append(std::int64_t size);

    std::string toString() const; // "(4096, 4096)"
    bool operator==(const Shape&) const = default;

private:
    int m_ndim = 0;
    std::array<std::int64_t, kMaxDims> m_dims{};
};

// Where an array's bytes live.
struct Place {
    enum class Kind : std::uint8_t { Host, Cuda };
    Kind kind = Kind::Host;
    int device = 0;

    static Place host() { return {}; }
    static Place cuda(int device) { return {Kind::Cuda, device}; }
    bool isHost() const { return kind == Kind::Host; }
    std::string toString() const; // "host", "cuda:0"
    bool operator==(const Place&) const = default;
};

struct MemoryStats {
    std::uint64_t currentBytes = 0;
    std::uint64_t peakBytes = 0;
    std::uint64_t allocations = 0; // number of allocate() calls since creation
};

// Hands out raw blocks and counts them. Thread-safe. allocate() throws wb::Error
// (OutOfMemory) with the size asked for and, where known, what is free.
class Allocator {
public:
    virtual ~Allocator() = default;
    virtual Place place() const = 0;
    virtual void* allocate(std::size_t bytes) = 0;
    virtual void deallocate(void* ptr, std::size_t bytes) noexcept = 0;

    MemoryStats stats() const;
    // Starts a new peak measurement from the current figure.
    void resetPeak();

protected:
    void recordAllocate(std::size_t bytes);
    void recordDeallocate(std::size_t bytes);

private:
    std::atomic<std::uint64_t> m_current{0};
    std::atomic<std::uint64_t> m_peak{0};
    std::atomic<std::uint64_t> m_allocations{0};
};

// The process-wide allocator for ordinary host memory (64-byte aligned).
Allocator& hostAllocator();

// A block from an allocator, returned to it when the last Array using it goes.
class Buffer {
public:
    Buffer(Allocator& allocator, std::size_t bytes);
    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    void* data() const { return m_data; }
    std::size_t bytes() const { return m_bytes; }
    Place place() const { return m_allocator.place(); }

private:
    Allocator& m_allocator;
    std::size_t m_bytes;
    void* m_data;
};

// A typed, shaped view of a Buffer. Copying an Array shares the buffer (like a NumPy
// view); use a backend's copy() for a deep copy. Strides are in elements.
class Array {
public:
    Array() = default;

    // Uninitialised contiguous array from `allocator`. Throws OutOfMemory.
    static Array empty(const Shape& shape, DType dtype, Allocator& allocator);
    // Uninitialised contiguous host array.
    static Array emptyHost(const Shape& shape, DType dtype);

    bool valid() const { return m_buffer != nullptr; }
    DType dtype() const { return m_dtype; }
    const Shape& shape() const { return m_shape; }
    int ndim() const { return m_shape.ndim(); }
    std::int64_t numel() const { return m_shape.numel(); }
    std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * sizeOf(m_dtype); }
    const std::array<std::int64_t, kMaxDims>& strides() const { return m_strides; }
    bool isContiguous() const;
    Place place() const;

    void* data() const;
    template <typename T> T* data() const { return static_cast<T*>(data()); }

    // Same buffer, new shape with the same number of elements; contiguous arrays only.
    Array reshape(const Shape& shape) const;
    // The sub-array at `index` of the first axis, sharing the buffer (NumPy's x[index]);
    // contiguous arrays of at least one dimension. Throws ShapeMismatch out of range.
    Array at(std::int64_t index) const;

    std::string describe() const; // "f32 (4096, 4096) on cuda:0"

private:
    std::shared_ptr<Buffer> m_buffer;
    std::size_t m_offsetBytes = 0;
    Shape m_shape;
    std::array<std::int64_t, kMaxDims> m_strides{};
    DType m_dtype = DType::F32;
};

// Row-major strides (in elements) for a contiguous array of `shape`.
std::array<std::int64_t, kMaxDims> contiguousStrides(const Shape& shape);

} // namespace wb
