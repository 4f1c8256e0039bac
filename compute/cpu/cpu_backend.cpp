#include "cpu_backend.h"

#include "ops.h"

#include "core/operand_check.h"

#include <wb/error.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

namespace wb::cpu {

namespace {

class SteadyTimer final : public Timer {
public:
    void start() override
    {
        m_start = Clock::now();
        m_running = true;
        m_measured = false;
    }

    void stop() override
    {
        if (!m_running)
            fail(ErrorCode::InvalidArgument, "timer stopped before it was started");
        m_stop = Clock::now();
        m_running = false;
        m_measured = true;
    }

    double elapsedMs() override
    {
        if (!m_measured)
            fail(ErrorCode::InvalidArgument, "timer read before start() and stop()");
        return std::chrono::duration<double, std::milli>(m_stop - m_start).count();
    }

private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point m_start;
    Clock::time_point m_stop;
    bool m_running = false;
    bool m_measured = false;
};

class SteadyTimeline final : public Timeline {
public:
    explicit SteadyTimeline(int marks)
        : m_marks(static_cast<std::size_t>(std::max(marks, 0)))
    {
    }

    int size() const override { return static_cast<int>(m_marks.size()); }
    void mark(int index) override { m_marks.at(static_cast<std::size_t>(index)) = Clock::now(); }
    double elapsedMs(int from, int to) override
    {
        return std::chrono::duration<double, std::milli>(m_marks.at(static_cast<std::size_t>(to)) -
                                                         m_marks.at(static_cast<std::size_t>(from)))
            .count();
    }

private:
    using Clock = std::chrono::steady_clock;
    std::vector<Clock::time_point> m_marks;
};

class CpuBackend final : public Backend {
public:
    Place place() const override { return Place::host(); }
    std::string name() const override { return "cpu"; }
    Allocator& allocator() override { return hostAllocator(); }
    // Every CPU op has finished when its run() returns.
    void synchronize() override {}
    std::unique_ptr<Timer> createTimer() override { return std::make_unique<SteadyTimer>(); }
    std::unique_ptr<Timeline> createTimeline(int marks) override { return std::make_unique<SteadyTimeline>(marks); }

    void copy(const Array& src, Array& dst) override
    {
        detail::checkOperand(src, src.shape(), src.dtype(), Place::host(), "copy", "source");
        detail::checkOperand(dst, src.shape(), src.dtype(), Place::host(), "copy", "destination");
        if (src.data() != dst.data())
            std::memmove(dst.data(), src.data(), src.nbytes());
    }

    std::unique_ptr<BinaryOp> prepareMatmul(const MatmulDesc& desc) override { return cpu::prepareMatmul(desc); }
    std::unique_ptr<UnaryOp> prepareFft(const FftDesc& desc) override { return cpu::prepareFft(desc); }
    std::unique_ptr<UnaryOp> prepareFftShift(const FftShiftDesc& desc) override { return cpu::prepareFftShift(desc); }
    std::unique_ptr<UnaryOp> prepareGaussian(const GaussianDesc& desc) override { return cpu::prepareGaussian(desc); }
    std::unique_ptr<UnaryOp> prepareBox(const BoxDesc& desc) override { return cpu::prepareBox(desc); }
    std::unique_ptr<UnaryOp> prepareMorphology(const MorphDesc& desc) override { return cpu::prepareMorphology(desc); }
    std::unique_ptr<UnaryOp> prepareMedian(const MedianDesc& desc) override { return cpu::prepareMedian(desc); }
    std::unique_ptr<UnaryOp> prepareBilateral(const BilateralDesc& desc) override
    {
        return cpu::prepareBilateral(desc);
    }
    std::unique_ptr<UnaryOp> prepareDerivative(const DerivativeDesc& desc) override
    {
        return cpu::prepareDerivative(desc);
    }
    std::unique_ptr<UnaryOp> prepareLaplacian(const LaplacianDesc& desc) override
    {
        return cpu::prepareLaplacian(desc);
    }
    std::unique_ptr<UnaryOp> prepareConv2d(const Conv2dDesc& desc) override { return cpu::prepareConv2d(desc); }
    std::unique_ptr<UnaryOp> prepareGrayscale(const GrayscaleDesc& desc) override
    {
        return cpu::prepareGrayscale(desc);
    }
    std::unique_ptr<UnaryOp> prepareConvert(const ConvertDesc& desc) override { return cpu::prepareConvert(desc); }
    std::unique_ptr<UnaryOp> prepareThreshold(const ThresholdDesc& desc) override
    {
        return cpu::prepareThreshold(desc);
    }
    std::unique_ptr<UnaryOp> prepareNormalize(const NormalizeDesc& desc) override
    {
        return cpu::prepareNormalize(desc);
    }
    std::unique_ptr<UnaryOp> prepareResize(const ResizeDesc& desc) override { return cpu::prepareResize(desc); }
    std::unique_ptr<NaryOp> prepareElementwise(const ElementwiseDesc& desc) override
    {
        return cpu::prepareElementwise(desc);
    }
    std::unique_ptr<UnaryOp> prepareReduce(const ReduceDesc& desc) override { return cpu::prepareReduce(desc); }
    void fillRandom(const RandomDesc& desc, Array& out) override { cpu::fillRandom(desc, out); }

    void misbehave(const TestMisbehaviour& what) override
    {
        if (what.kind != TestMisbehaviour::Kind::Hang)
            fail(ErrorCode::Unsupported, "the CPU backend has no device to fault or hang; run on a GPU");
        hangThread(what.seconds);
    }
};

} // namespace

std::unique_ptr<Backend> createBackend()
{
    threads(); // applies the default thread count to the libraries unless one was set
    return std::make_unique<CpuBackend>();
}

} // namespace wb::cpu
