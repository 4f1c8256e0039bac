// FFTs on FFTW, in double (fftw_*) and single (fftwf_*) precision.
//
// Plans are made in prepare with FFTW_MEASURE, which times candidate algorithms on scratch
// buffers (it overwrites them, so never on the caller's data), and run() executes them on
// the caller's arrays through the new-array execute functions. Planning is not
// thread-safe in FFTW, so every planner call holds one mutex; execution is.
//
// The guru64 interface rather than plan_many: a 2-D transform of more than 2^31 elements,
// or a large batch of them, overflows plan_many's int distances.

#include "ops.h"
#include "parallel.h"

#include "cpu_backend.h"

#include "core/operand_check.h"

#include <wb/error.h>

#include <fftw3.h>

#include <array>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace wb::cpu {

namespace {

// MEASURE tries many algorithms on large sizes; beyond this many seconds it takes the best
// found so far, so that preparing a 16k x 16k transform does not take minutes.
constexpr double kPlanTimeLimitSeconds = 3.0;
constexpr std::int64_t kScaleChunk = 1 << 16;

template <typename Real> struct Fftw;

template <> struct Fftw<double> {
    using Plan = fftw_plan;
    using Complex = fftw_complex;
    static constexpr auto initThreads = fftw_init_threads;
    static constexpr auto planWithThreads = fftw_plan_with_nthreads;
    static constexpr auto setTimeLimit = fftw_set_timelimit;
    static constexpr auto planC2c = fftw_plan_guru64_dft;
    static constexpr auto planR2c = fftw_plan_guru64_dft_r2c;
    static constexpr auto planC2r = fftw_plan_guru64_dft_c2r;
    static constexpr auto executeC2c = fftw_execute_dft;
    static constexpr auto executeR2c = fftw_execute_dft_r2c;
    static constexpr auto executeC2r = fftw_execute_dft_c2r;
    static constexpr auto alignmentOf = fftw_alignment_of;
};

template <> struct Fftw<float> {
    using Plan = fftwf_plan;
    using Complex = fftwf_complex;
    static constexpr auto initThreads = fftwf_init_threads;
    static constexpr auto planWithThreads = fftwf_plan_with_nthreads;
    static constexpr auto setTimeLimit = fftwf_set_timelimit;
    static constexpr auto planC2c = fftwf_plan_guru64_dft;
    static constexpr auto planR2c = fftwf_plan_guru64_dft_r2c;
    static constexpr auto planC2r = fftwf_plan_guru64_dft_c2r;
    static constexpr auto executeC2c = fftwf_execute_dft;
    static constexpr auto executeR2c = fftwf_execute_dft_r2c;
    static constexpr auto executeC2r = fftwf_execute_dft_c2r;
    static constexpr auto alignmentOf = fftwf_alignment_of;
};

// Everything a plan depends on; the precision is the cache's own template parameter.
using PlanKey = std::tuple<FftKind, FftDirection, int, std::int64_t, std::int64_t, std::int64_t, int>;

std::mutex& plannerMutex()
{
    static std::mutex mutex;
    return mutex;
}

// Plans live until the process ends: ops in static objects may still use them during exit,
// a plan is small next to the arrays it transforms, and benchmarks prepare the same sizes
// again and again. Never destroyed, hence allocated with new.
template <typename Real> std::map<PlanKey, typename Fftw<Real>::Plan>& planCache()
{
    static auto* cache = new std::map<PlanKey, typename Fftw<Real>::Plan>();
    return *cache;
}

template <typename Real> typename Fftw<Real>::Complex* complexData(const Array& array)
{
    return reinterpret_cast<typename Fftw<Real>::Complex*>(array.data());
}

template <typename Real> class FftOp final : public UnaryOp {
public:
    explicit FftOp(const FftDesc& desc)
        : m_desc(desc)
        , m_output(desc.outputShape())
    {
        const Shape logical = desc.transformShape();
        m_count = logical.numel();
        // c2r overwrites its input, so run() hands FFTW a copy made here once.
        if (desc.kind == FftKind::C2R)
            m_c2rInput = Array::emptyHost(desc.input, desc.dtype);
        m_plan = plan();
    }

    void run(const Array& in, Array& out) override
    {
        const char* op = "fft";
        detail::checkOperand(in, m_desc.input, m_desc.dtype, Place::host(), op, "input");
        detail::checkOperand(out, m_output, m_desc.outputDType(), Place::host(), op, "output");
        detail::requireSeparate(in, out, op);
        requireAligned(in);
        requireAligned(out);
        switch (m_desc.kind) {
        case FftKind::C2C: Fftw<Real>::executeC2c(m_plan, complexData<Real>(in), complexData<Real>(out)); break;
        case FftKind::R2C: Fftw<Real>::executeR2c(m_plan, in.data<Real>(), complexData<Real>(out)); break;
        case FftKind::C2R:
            std::memcpy(m_c2rInput.data(), in.data(), in.nbytes());
            Fftw<Real>::executeC2r(m_plan, complexData<Real>(m_c2rInput), out.data<Real>());
            break;
        }
        if (m_desc.direction == FftDirection::Inverse)
            normalise(out);
    }

private:
    // FFTW's SIMD codelets chosen by the plan assume the alignment of the planning
    // buffers (64 bytes, like every host array).
    static void requireAligned(const Array& array)
    {
        if (Fftw<Real>::alignmentOf(static_cast<Real*>(array.data())) != 0)
            fail(ErrorCode::Unsupported, "FFT operands must be 16-byte aligned", {.op = "fft", .library = "FFTW"});
    }

    // NumPy's convention: the inverse carries the 1/N.
    void normalise(Array& out) const
    {
        const Real scale = Real(1) / static_cast<Real>(m_count);
        Real* values = static_cast<Real*>(out.data());
        const std::int64_t n = out.numel() * (isComplex(out.dtype()) ? 2 : 1);
        parallelFor(n, kScaleChunk, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i)
                values[i] *= scale;
        });
    }

    typename Fftw<Real>::Plan plan()
    {
        const Shape logical = m_desc.transformShape();
        const int count = threads();
        const PlanKey key{
            m_desc.kind, m_desc.direction, m_desc.rank, logical[0], m_desc.rank == 2 ? logical[1] : 0, m_desc.batch(),
            count};
        std::lock_guard lock(plannerMutex());
        auto& cache = planCache<Real>();
        if (auto found = cache.find(key); found != cache.end())
            return found->second;

        static const bool threadsReady = Fftw<Real>::initThreads() != 0;
        if (!threadsReady)
            fail(ErrorCode::Internal, "FFTW's threads could not be initialised",
                 {.op = "fft", .library = "FFTW", .call = "fftw_init_threads()"});
        Fftw<Real>::planWithThreads(count);
        Fftw<Real>::setTimeLimit(kPlanTimeLimitSeconds);

        // Row lengths in elements of each side: the complex side of a real transform holds
        // n/2+1 values on the last axis.
        const std::int64_t last = logical[-1];
        const std::int64_t half = last / 2 + 1;
        const std::int64_t inRow = m_desc.kind == FftKind::C2R ? half : last;
        const std::int64_t outRow = m_desc.kind == FftKind::R2C ? half : last;
        std::array<fftw_iodim64, 2> dims{};
        if (m_desc.rank == 1) {
            dims[0] = {last, 1, 1};
        } else {
            dims[0] = {logical[0], inRow, outRow};
            dims[1] = {last, 1, 1};
        }
        const std::int64_t rows = m_desc.rank == 2 ? logical[0] : 1;
        const fftw_iodim64 batch{m_desc.batch(), rows * inRow, rows * outRow};

        // MEASURE writes to both buffers, so it gets scratch arrays of the real sizes.
        Array planIn = m_desc.kind == FftKind::C2R ? m_c2rInput : Array::emptyHost(m_desc.input, m_desc.dtype);
        Array planOut = Array::emptyHost(m_output, m_desc.outputDType());
        const unsigned flags = FFTW_MEASURE;
        typename Fftw<Real>::Plan made = nullptr;
        switch (m_desc.kind) {
        case FftKind::C2C:
            made = Fftw<Real>::planC2c(m_desc.rank, dims.data(), 1, &batch, complexData<Real>(planIn),
                                       complexData<Real>(planOut),
                                       m_desc.direction == FftDirection::Forward ? FFTW_FORWARD : FFTW_BACKWARD, flags);
            break;
        case FftKind::R2C:
            made = Fftw<Real>::planR2c(m_desc.rank, dims.data(), 1, &batch, planIn.data<Real>(),
                                       complexData<Real>(planOut), flags);
            break;
        case FftKind::C2R:
            made = Fftw<Real>::planC2r(m_desc.rank, dims.data(), 1, &batch, complexData<Real>(planIn),
                                       planOut.data<Real>(), flags);
            break;
        }
        if (!made)
            fail(ErrorCode::Unsupported,
                 "FFTW could not plan a transform of " + logical.toString() + " batched " +
                     std::to_string(m_desc.batch()) + " times",
                 {.op = "fft", .library = "FFTW", .call = "fftw_plan_guru64_*"});
        cache.emplace(key, made);
        return made;
    }

    FftDesc m_desc;
    Shape m_output;
    std::int64_t m_count = 1;
    Array m_c2rInput;
    typename Fftw<Real>::Plan m_plan = nullptr;
};

} // namespace

std::unique_ptr<UnaryOp> prepareFft(const FftDesc& desc)
{
    desc.validate();
    if (realPart(desc.dtype) == DType::F64)
        return std::make_unique<FftOp<double>>(desc);
    return std::make_unique<FftOp<float>>(desc);
}

} // namespace wb::cpu
