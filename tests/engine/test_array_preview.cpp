// fetch's cut-down arrays: strides that fit the element budget with every axis cut alike,
// and the kept elements gathered in row-major order.

#include "engine/array_preview.h"

#include <wb/array.h>
#include <wb/error.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace wb::engine {
namespace {

using Strides = std::vector<std::int64_t>;

TEST(EnginePreview, AnArrayThatFitsKeepsEveryElement)
{
    EXPECT_EQ(previewStrides(Shape{4096, 4096}, 4096 * 4096), (Strides{1, 1}));
    EXPECT_EQ(previewStrides(Shape{7}, 100), (Strides{1}));
    EXPECT_EQ(previewStrides(Shape{}, 1), Strides{});
    EXPECT_EQ(previewStrides(Shape{0, 5}, 1), (Strides{1, 1}));
    EXPECT_THROW(previewStrides(Shape{3}, 0), Error);
}

TEST(EnginePreview, EveryAxisIsCutAlike)
{
    EXPECT_EQ(previewStrides(Shape{4096, 4096}, 1 << 20), (Strides{4, 4}));
    EXPECT_EQ(previewShape(Shape{4096, 4096}, {4, 4}), (Shape{1024, 1024}));
    // Colour channels stay whole; the image axes share the cut.
    const Strides image = previewStrides(Shape{2000, 3000, 3}, 30000);
    EXPECT_EQ(image[2], 1);
    EXPECT_EQ(previewShape(Shape{2000, 3000, 3}, image), (Shape{100, 100, 3}));
    // A short axis is kept whole while a long one is cut.
    EXPECT_EQ(previewStrides(Shape{3, 1000000}, 1 << 20), (Strides{1, 3}));
    EXPECT_EQ(previewStrides(Shape{100}, 1), (Strides{100}));
}

TEST(EnginePreview, TheKeptArrayFitsWithTheAxesCutAlike)
{
    for (std::int64_t a : {1, 2, 3, 17, 64, 1000})
        for (std::int64_t b : {1, 5, 31, 256})
            for (std::int64_t c : {1, 3, 4})
                for (std::int64_t budget : {1, 2, 10, 99, 1000, 65536}) {
                    const Shape shape{a, b, c};
                    const Strides strides = previewStrides(shape, budget);
                    const Shape kept = previewShape(shape, strides);
                    SCOPED_TRACE(shape.toString() + " in " + std::to_string(budget) + " -> " + kept.toString());
                    ASSERT_LE(kept.numel(), budget);
                    ASSERT_GE(kept.numel(), 1);
                    // Every axis is cut to at most a common length that each cut axis keeps
                    // more than half of: no axis is kept twice as long as a cut one.
                    std::int64_t longest = 0, shortestCut = 0;
                    for (int axis = 0; axis < 3; ++axis) {
                        longest = std::max(longest, kept[axis]);
                        if (strides[static_cast<std::size_t>(axis)] > 1)
                            shortestCut = shortestCut ? std::min(shortestCut, kept[axis]) : kept[axis];
                    }
                    if (shortestCut > 0)
                        EXPECT_LT(longest, 2 * shortestCut);
                    else
                        EXPECT_EQ(kept, shape);
                }
}

TEST(EnginePreview, BytesAreTheKeptElementsInRowMajorOrder)
{
    Array host = Array::emptyHost(Shape{5, 4, 3}, DType::I32);
    for (int i = 0; i < 60; ++i)
        host.data<std::int32_t>()[i] = i;
    const std::string bytes = previewBytes(host, {2, 3, 1});
    ASSERT_EQ(bytes.size(), 3u * 2u * 3u * 4u);
    std::vector<std::int32_t> values(bytes.size() / 4);
    std::memcpy(values.data(), bytes.data(), bytes.size());
    std::vector<std::int32_t> expected;
    for (int i = 0; i < 5; i += 2)
        for (int j = 0; j < 4; j += 3)
            for (int k = 0; k < 3; ++k)
                expected.push_back(i * 12 + j * 3 + k);
    EXPECT_EQ(values, expected);

    // A sub-array (a view into a larger buffer) and a 0-D array.
    const Array row = host.at(4);
    const std::string last = previewBytes(row, {4, 2});
    ASSERT_EQ(last.size(), 2u * 4u);
    std::int32_t pair[2];
    std::memcpy(pair, last.data(), 8);
    EXPECT_EQ(pair[0], 48);
    EXPECT_EQ(pair[1], 50);
    Array scalar = Array::emptyHost(Shape{}, DType::F64);
    *scalar.data<double>() = 2.5;
    const std::string one = previewBytes(scalar, {});
    double value = 0;
    std::memcpy(&value, one.data(), 8);
    EXPECT_EQ(value, 2.5);
    EXPECT_THROW(previewBytes(host, {1, 1}), Error);
    EXPECT_THROW(previewBytes(host, {1, 0, 1}), Error);
}

} // namespace
} // namespace wb::engine
