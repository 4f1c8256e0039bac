#pragma once
// The derivative filters' test cases and tolerance, shared by the GPU tests
// (test_derivatives.cpp) and the emulated kernels' (tests/emulation). See
// test_derivatives.cpp for what the tolerance allows and why.

#include "compare.h"

#include <wb/ops.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace wb::test {

inline double termScale(const DerivativeFilters& filters, double largestInput)
{
    double scale = 0;
    for (int i = 0; i < filters.count; ++i) {
        double row = 0, column = 0;
        for (double w : filters.row[i])
            row += std::fabs(w);
        for (double w : filters.column[i])
            column += std::fabs(w);
        scale += row * column;
    }
    return scale * largestInput;
}

// The largest |actual − expected| over the tolerance described above (pass: <= 1).
inline double errorInTolerances(const Array& actual, const Array& expected, const DerivativeFilters& filters,
                                double largestInput)
{
    const auto [a, e] = bothValues(actual, expected);
    if (a.size() != e.size())
        return INFINITY;
    double largest = 1;
    for (double v : e)
        largest = std::max(largest, std::fabs(v));
    const double tolerance = 1e-5 * largest + 1e-7 * termScale(filters, largestInput);
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double error = std::fabs(a[i] - e[i]) / tolerance;
        worst = std::max(worst, std::isnan(error) ? INFINITY : error);
    }
    return worst;
}

// Every ksize, orders up to the limits, magnitudes, scale and delta.
inline std::vector<DerivativeDesc> derivativeCases(const Shape& shape, DType dtype, BorderMode border)
{
    const auto sobel = DerivativeKind::Sobel, scharr = DerivativeKind::Scharr;
    std::vector<DerivativeDesc> cases;
    auto add = [&](DerivativeKind kind, int dx, int dy, int ksize, bool magnitude = false, double scale = 1,
                   double delta = 0) {
        cases.push_back({shape, dtype, kind, dx, dy, ksize, magnitude, scale, delta, border});
    };
    add(sobel, 1, 0, 3);
    add(sobel, 0, 1, 3);
    add(sobel, 1, 1, 3);
    add(sobel, 2, 0, 3);
    add(sobel, 0, 2, 3);
    add(sobel, 1, 0, 1);
    add(sobel, 0, 2, 1);
    add(sobel, 2, 2, 1);
    add(sobel, 1, 0, 5);
    add(sobel, 2, 1, 5);
    add(sobel, 0, 4, 5);
    add(sobel, 1, 0, 7);
    add(sobel, 3, 3, 7);
    add(sobel, 6, 0, 7);
    add(sobel, 1, 0, 3, false, 0.125, 5);
    add(sobel, 0, 1, 5, false, -2, -1);
    add(scharr, 1, 0, 3);
    add(scharr, 0, 1, 3, false, 0.5, 3);
    for (int ksize : {1, 3, 5, 7})
        add(sobel, 0, 0, ksize, true);
    add(sobel, 0, 0, 3, true, 0.25);
    add(scharr, 0, 0, 3, true);
    return cases;
}

inline std::string caseText(const DerivativeDesc& d)
{
    return d.opName() + " dx=" + std::to_string(d.dx) + " dy=" + std::to_string(d.dy) +
           " ksize=" + std::to_string(d.ksize) + " scale=" + std::to_string(d.scale) +
           " delta=" + std::to_string(d.delta);
}

} // namespace wb::test
