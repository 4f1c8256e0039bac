// dtype conversion, out = in · scale + offset, as our own loop: no library covers all of
// u8, u16, i32, f16, bf16, f32, f64, c64 and c128. Arithmetic is in double, which holds
// every source value exactly; each result is rounded once into the target type.

#include "dtype_dispatch.h"
#include "ops.h"
#include "parallel.h"
#include "rounding.h"

#include "core/half.h"
#include "core/operand_check.h"

#include <bit>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>

namespace wb::cpu {

namespace {

constexpr std::int64_t kChunk = 1 << 16;

template <DType D> struct Element;

template <typename Int> struct IntegerElement {
    using Storage = Int;
    static constexpr bool kComplex = false;
    static double load(Int v) { return static_cast<double>(v); }
    static Int store(double v) { return saturate<Int>(v); }
};

template <> struct Element<DType::U8> : IntegerElement<std::uint8_t> {
};
template <> struct Element<DType::U16> : IntegerElement<std::uint16_t> {
};
template <> struct Element<DType::I32> : IntegerElement<std::int32_t> {
};

template <float (*ToFloat)(std::uint16_t), std::uint16_t (*FromFloat)(float)> struct HalfElement {
    using Storage = std::uint16_t;
    static constexpr bool kComplex = false;
    static double load(std::uint16_t v) { return static_cast<double>(ToFloat(v)); }
    static std::uint16_t store(double v) { return FromFloat(roundToOddFloat(v)); }
};

template <> struct Element<DType::F16> : HalfElement<detail::halfToFloat, detail::floatToHalf> {
};
template <> struct Element<DType::BF16> : HalfElement<detail::bf16ToFloat, detail::floatToBf16> {
};

template <typename Float> struct FloatElement {
    using Storage = Float;
    static constexpr bool kComplex = false;
    static double load(Float v) { return static_cast<double>(v); }
    static Float store(double v) { return static_cast<Float>(v); }
};

template <> struct Element<DType::F32> : FloatElement<float> {
};
template <> struct Element<DType::F64> : FloatElement<double> {
};

template <typename Float> struct ComplexElement {
    using Storage = std::complex<Float>;
    static constexpr bool kComplex = true;
    static std::complex<double> load(Storage v) { return {v.real(), v.imag()}; }
    static Storage store(std::complex<double> v)
    {
        return {static_cast<Float>(v.real()), static_cast<Float>(v.imag())};
    }
};

template <> struct Element<DType::C64> : ComplexElement<float> {
};
template <> struct Element<DType::C128> : ComplexElement<double> {
};

using Kernel = void (*)(const void* in, void* out, std::int64_t begin, std::int64_t end, double scale, double offset);

// The offset is real: it moves the real part only, as `z * scale + offset` in NumPy.
template <DType From, DType To>
void convertRange(const void* in, void* out, std::int64_t begin, std::int64_t end, double scale, double offset)
{
    using Source = Element<From>;
    using Target = Element<To>;
    const auto* source = static_cast<const typename Source::Storage*>(in);
    auto* target = static_cast<typename Target::Storage*>(out);
    for (std::int64_t i = begin; i < end; ++i) {
        if constexpr (Source::kComplex) {
            const std::complex<double> v = Source::load(source[i]);
            target[i] = Target::store({v.real() * scale + offset, v.imag() * scale});
        } else if constexpr (Target::kComplex) {
            target[i] = Target::store({Source::load(source[i]) * scale + offset, 0.0});
        } else {
            target[i] = Target::store(Source::load(source[i]) * scale + offset);
        }
    }
}

Kernel kernelFor(DType from, DType to)
{
    return visitDType(from, [to](auto source) {
        return visitDType(to, [](auto target) -> Kernel {
            if constexpr (Element<decltype(source)::value>::kComplex && !Element<decltype(target)::value>::kComplex)
                return nullptr; // refused by ConvertDesc::validate()
            else
                return &convertRange<decltype(source)::value, decltype(target)::value>;
        });
    });
}

class ConvertOp final : public UnaryOp {
public:
    explicit ConvertOp(const ConvertDesc& desc)
        : m_desc(desc)
        , m_kernel(kernelFor(desc.from, desc.to))
        , m_identity(desc.from == desc.to && desc.scale == 1.0 && desc.offset == 0.0)
    {
    }

    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.from, Place::host(), "astype", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.to, Place::host(), "astype", "output");
        // Element i is read before it is written, so converting in place works when both
        // sides have the same element size; any other overlap would not.
        const bool inPlace = in.data() == out.data() && sizeOf(m_desc.from) == sizeOf(m_desc.to);
        if (!inPlace)
            detail::requireSeparate(in, out, "astype");
        if (m_identity) {
            if (!inPlace)
                std::memcpy(out.data(), in.data(), in.nbytes());
            return;
        }
        parallelFor(in.numel(), kChunk, [&](std::int64_t begin, std::int64_t end) {
            m_kernel(in.data(), out.data(), begin, end, m_desc.scale, m_desc.offset);
        });
    }

private:
    ConvertDesc m_desc;
    Kernel m_kernel;
    bool m_identity;
};

} // namespace

std::unique_ptr<UnaryOp> prepareConvert(const ConvertDesc& desc)
{
    desc.validate();
    return std::make_unique<ConvertOp>(desc);
}

} // namespace wb::cpu
