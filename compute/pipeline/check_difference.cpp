#include "check_difference.h"

#include <wb/eager.h>
#include <wb/ops.h>

#include <cmath>
#include <complex>

namespace wb::pipeline {

std::string differenceLabel(const std::string& x, const std::string& reference)
{
    return "|" + x + " - " + reference + "|";
}

std::string backendsDifferenceLabel(const std::string& x) { return "|" + x + " gpu - cpu|"; }

Array differenceArray(Backend& backend, const Array& x, const Array& reference)
{
    const bool wide = x.dtype() == DType::F64 || x.dtype() == DType::C128 || reference.dtype() == DType::F64 ||
                      reference.dtype() == DType::C128;
    const bool complex = isComplex(x.dtype()) || isComplex(reference.dtype());
    // Both operands cast to one float type first, so integers do not wrap and f16 does not round.
    const DType common = complex ? (wide ? DType::C128 : DType::C64) : (wide ? DType::F64 : DType::F32);
    ElementwiseDesc desc;
    desc.shape = x.shape();
    desc.inputShapes = {x.shape(), reference.shape()};
    desc.inputs = {x.dtype(), reference.dtype()};
    auto node = [&](ElemOp op, int a = -1, int b = -1) {
        ElemNode n;
        n.op = op;
        n.a = a;
        n.b = b;
        n.castTo = common;
        desc.nodes.push_back(n);
        return static_cast<int>(desc.nodes.size()) - 1;
    };
    const int xIn = node(ElemOp::Input);
    desc.nodes.back().input = 0;
    const int refIn = node(ElemOp::Input);
    desc.nodes.back().input = 1;
    const int xCast = node(ElemOp::Cast, xIn);
    const int refCast = node(ElemOp::Cast, refIn);
    node(ElemOp::Abs, node(ElemOp::Sub, xCast, refCast));
    desc.validate();
    Array out = backend.empty(desc.shape, desc.outputDType());
    const std::unique_ptr<NaryOp> op = backend.prepareElementwise(desc);
    const Array* inputs[] = {&x, &reference};
    op->run(inputs, out);
    return out;
}

CheckDifference compareElements(Backend& cpu, const Array& x, const Array& reference, double rtol, double atol)
{
    const Array r = convert(cpu, x, DType::C128);
    const Array c = convert(cpu, reference, DType::C128);
    const auto* rv = r.data<std::complex<double>>();
    const auto* cv = c.data<std::complex<double>>();
    CheckDifference difference;
    difference.elements = r.numel();
    std::int64_t worst = -1;
    for (std::int64_t i = 0; i < r.numel(); ++i) {
        const double error = std::abs(rv[i] - cv[i]);
        if (!(error <= atol + rtol * std::abs(cv[i])))
            ++difference.outOfTolerance;
        const bool finite = std::isfinite(error);
        const bool worstFinite = worst < 0 || std::isfinite(difference.maxAbsError);
        if (worst < 0 || (worstFinite && (!finite || error > difference.maxAbsError))) {
            worst = i;
            difference.maxAbsError = error;
        }
    }
    if (worst >= 0) {
        difference.value = rv[worst];
        difference.reference = cv[worst];
        // The flat row-major index as one index per axis.
        const Shape& shape = x.shape();
        difference.maxIndex.assign(static_cast<std::size_t>(shape.ndim()), 0);
        std::int64_t rest = worst;
        for (int axis = shape.ndim() - 1; axis >= 0; --axis) {
            difference.maxIndex[static_cast<std::size_t>(axis)] = rest % shape[axis];
            rest /= shape[axis];
        }
    }
    return difference;
}

} // namespace wb::pipeline
