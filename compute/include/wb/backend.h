#pragma once
// The backend interface: one CPU and one CUDA implementation per op family.
//
// Ops are prepared once and run many times: prepareX() does everything that must not be
// timed (plans, handles, workspaces, weights) and returns an object whose run() does only
// the work. Inputs and outputs must live in the backend's place(), be contiguous, and
// match the descriptor given to prepareX(); run() checks this and throws ShapeMismatch or
// DTypeMismatch otherwise.
//
// Threads and streams: a Backend and the ops it prepares are used from one thread at a
// time. On the CUDA backend all work is queued on the backend's one stream and run()
// returns before the work finishes; call synchronize() or use a Timer to wait for it.

#include <wb/array.h>
#include <wb/ops.h>

#include <memory>
#include <span>
#include <string>

namespace wb {

struct LaunchDesc; // wb/kernel_launch.h
struct LaunchBuild;

// Measures one interval of a backend's work: CUDA events on the backend's stream for the
// GPU, a steady clock for the CPU.
class Timer {
public:
    virtual ~Timer() = default;
    virtual void start() = 0;
    virtual void stop() = 0;
    // Milliseconds between start() and stop(); waits for the work to finish.
    virtual double elapsedMs() = 0;
};

class UnaryOp {
public:
    virtual ~UnaryOp() = default;
    virtual void run(const Array& in, Array& out) = 0;
};

class BinaryOp {
public:
    virtual ~BinaryOp() = default;
    virtual void run(const Array& a, const Array& b, Array& out) = 0;
};

// An op with any number of inputs (elementwise expressions).
class NaryOp {
public:
    virtual ~NaryOp() = default;
    virtual void run(std::span<const Array* const> inputs, Array& out) = 0;
};

// Points in a backend's stream of work, marked one after another: elapsedMs(i, j) is the
// time from mark i to mark j. On the GPU a mark is a CUDA event recorded on the backend's
// stream (so marks can be recorded while the backend records a graph, and the time is the
// GPU's); on the CPU it is a steady-clock reading. elapsedMs waits for mark j.
class Timeline {
public:
    virtual ~Timeline() = default;
    virtual int size() const = 0; // marks available, fixed at creation
    virtual void mark(int index) = 0;
    virtual double elapsedMs(int from, int to) = 0;
};

// Work recorded once and replayed many times with the host out of the loop (a CUDA graph).
class Recording {
public:
    virtual ~Recording() = default;
    // Queues the recorded work again on the backend's stream; asynchronous like any op.
    virtual void replay() = 0;
};

// Faults on purpose, for the engine's reliability tests (docs/protocol.md, "Test-only ops";
// the pipeline ops test_hang, test_gpu_fault and test_gpu_hang).
struct TestMisbehaviour {
    enum class Kind {
        Hang,        // the calling thread blocks for `seconds` (0: for ever); any backend
        DeviceFault, // a kernel writes where nothing is mapped: the context is lost (DeviceLost)
        DeviceHang,  // a kernel that never ends; the call never returns
    };
    Kind kind = Kind::Hang;
    double seconds = 0;
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual Place place() const = 0;
    // "cpu" or "cuda:0"; shown in tables and run records.
    virtual std::string name() const = 0;
    virtual Allocator& allocator() = 0;
    // Blocks until all work queued so far has finished. Throws on an asynchronous CUDA error.
    virtual void synchronize() = 0;
    virtual std::unique_ptr<Timer> createTimer() = 0;
    virtual std::unique_ptr<Timeline> createTimeline(int marks) = 0;

    // Graph recording. While recording, ops are queued but not run: only work that is
    // stream-ordered may be recorded (kernels, library calls, marks of a Timeline; no
    // copy() to or from pageable host memory, no synchronize()). endRecording() returns
    // the recording, or throws Unsupported with the reason it could not be made (the
    // backend is then usable again and nothing recorded ran). The CPU backend cannot
    // record: canRecord() says so and beginRecording() throws Unsupported.
    virtual bool canRecord() const { return false; }
    virtual void beginRecording();
    virtual std::unique_ptr<Recording> endRecording();

    // Uninitialised contiguous array in this backend's place.
    Array empty(const Shape& shape, DType dtype) { return Array::empty(shape, dtype, allocator()); }

    // Copies src into dst (same dtype and shape; both contiguous). Each side is either
    // host memory or this backend's place. Large host<->device copies go through pinned
    // staging buffers. Asynchronous on the CUDA backend, like every op.
    virtual void copy(const Array& src, Array& dst) = 0;

    virtual std::unique_ptr<BinaryOp> prepareMatmul(const MatmulDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareFft(const FftDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareFftShift(const FftShiftDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareGaussian(const GaussianDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareBox(const BoxDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareMorphology(const MorphDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareMedian(const MedianDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareBilateral(const BilateralDesc& desc) = 0;
    // sobel, scharr and their magnitudes; laplacian. Output f32 whatever the input's dtype.
    virtual std::unique_ptr<UnaryOp> prepareDerivative(const DerivativeDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareLaplacian(const LaplacianDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareConv2d(const Conv2dDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareGrayscale(const GrayscaleDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareConvert(const ConvertDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareThreshold(const ThresholdDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareNormalize(const NormalizeDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareResize(const ResizeDesc& desc) = 0;
    virtual std::unique_ptr<NaryOp> prepareElementwise(const ElementwiseDesc& desc) = 0;
    virtual std::unique_ptr<UnaryOp> prepareReduce(const ReduceDesc& desc) = 0;
    // Fills `out` (shape and dtype of desc) with random numbers.
    virtual void fillRandom(const RandomDesc& desc, Array& out) = 0;
    // A user's kernel (launch() in pipelines): compiles desc.source for this backend's device
    // (the disk cache first) and loads it; `build` says how (compile time, cache hit) and,
    // when the source does not compile, holds the diagnostics (and InvalidArgument is
    // thrown). run(inputs, out) takes the arrays of desc's Array arguments in order, copies
    // the one bound to desc.outParam into `out` (and every other non-const one into a private
    // copy), then launches on the backend's stream. Backends without a device throw
    // Unsupported ("launch() runs on the GPU"), as this default does.
    virtual std::unique_ptr<NaryOp> prepareLaunch(const LaunchDesc& desc, LaunchBuild& build);

    // Misbehaves as asked, synchronously: a GPU backend waits for its kernel, so a fault is
    // thrown from here (DeviceLost) and a hang never returns. Backends without a device
    // throw Unsupported for the device kinds; none records it into a graph (Unsupported).
    // Only the test ops reach this.
    virtual void misbehave(const TestMisbehaviour& what) = 0;

protected:
    // Blocks the calling thread for `seconds`, for ever when 0: TestMisbehaviour::Hang.
    static void hangThread(double seconds);
};

} // namespace wb
