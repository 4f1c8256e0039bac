#pragma once
// The CPU backend's op factories, one file each (matmul.cpp, fft.cpp, ...), with the
// same names as the CUDA backend's so that the two read side by side. Each may assume
// desc.validate() passed; each run() checks its operands against the desc.

#include <wb/backend.h>

#include <wb/error.h>

#include <cstdint>
#include <memory>
#include <string>

namespace wb::cpu {

std::unique_ptr<BinaryOp> prepareMatmul(const MatmulDesc& desc);
std::unique_ptr<UnaryOp> prepareFft(const FftDesc& desc);
std::unique_ptr<UnaryOp> prepareFftShift(const FftShiftDesc& desc);
std::unique_ptr<UnaryOp> prepareGaussian(const GaussianDesc& desc);
std::unique_ptr<UnaryOp> prepareBox(const BoxDesc& desc);
std::unique_ptr<UnaryOp> prepareMorphology(const MorphDesc& desc);
std::unique_ptr<UnaryOp> prepareMedian(const MedianDesc& desc);
std::unique_ptr<UnaryOp> prepareBilateral(const BilateralDesc& desc);
std::unique_ptr<UnaryOp> prepareDerivative(const DerivativeDesc& desc);
std::unique_ptr<UnaryOp> prepareLaplacian(const LaplacianDesc& desc);
std::unique_ptr<UnaryOp> prepareConv2d(const Conv2dDesc& desc);
std::unique_ptr<UnaryOp> prepareGrayscale(const GrayscaleDesc& desc);
std::unique_ptr<UnaryOp> prepareConvert(const ConvertDesc& desc);
std::unique_ptr<UnaryOp> prepareThreshold(const ThresholdDesc& desc);
std::unique_ptr<UnaryOp> prepareNormalize(const NormalizeDesc& desc);
std::unique_ptr<UnaryOp> prepareResize(const ResizeDesc& desc);
std::unique_ptr<NaryOp> prepareElementwise(const ElementwiseDesc& desc);
std::unique_ptr<UnaryOp> prepareReduce(const ReduceDesc& desc);
void fillRandom(const RandomDesc& desc, Array& out);

} // namespace wb::cpu
