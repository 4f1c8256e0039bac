#pragma once
// The CUDA backend's op factories, one file each (matmul.cpp, fft.cpp, gaussian.cu, ...),
// named as the CPU backend's (cpu/ops.h) so the two read side by side. Each validates its
// descriptor again (cheap, and it keeps a bad launch configuration from ever reaching
// the device), does every allocation and plan in prepare, and checks its operands in run().

#include <wb/backend.h>

#include <memory>

namespace wb::cuda {

class CudaBackend;

std::unique_ptr<BinaryOp> prepareMatmul(CudaBackend& backend, const MatmulDesc& desc);
std::unique_ptr<UnaryOp> prepareFft(CudaBackend& backend, const FftDesc& desc);
std::unique_ptr<UnaryOp> prepareFftShift(CudaBackend& backend, const FftShiftDesc& desc);
std::unique_ptr<UnaryOp> prepareGaussian(CudaBackend& backend, const GaussianDesc& desc);
std::unique_ptr<UnaryOp> prepareBox(CudaBackend& backend, const BoxDesc& desc);
std::unique_ptr<UnaryOp> prepareMorphology(CudaBackend& backend, const MorphDesc& desc);
std::unique_ptr<UnaryOp> prepareMedian(CudaBackend& backend, const MedianDesc& desc);
std::unique_ptr<UnaryOp> prepareBilateral(CudaBackend& backend, const BilateralDesc& desc);
std::unique_ptr<UnaryOp> prepareDerivative(CudaBackend& backend, const DerivativeDesc& desc);
std::unique_ptr<UnaryOp> prepareLaplacian(CudaBackend& backend, const LaplacianDesc& desc);
std::unique_ptr<UnaryOp> prepareConv2d(CudaBackend& backend, const Conv2dDesc& desc);
std::unique_ptr<UnaryOp> prepareGrayscale(CudaBackend& backend, const GrayscaleDesc& desc);
std::unique_ptr<UnaryOp> prepareConvert(CudaBackend& backend, const ConvertDesc& desc);
std::unique_ptr<UnaryOp> prepareThreshold(CudaBackend& backend, const ThresholdDesc& desc);
std::unique_ptr<UnaryOp> prepareNormalize(CudaBackend& backend, const NormalizeDesc& desc);
std::unique_ptr<UnaryOp> prepareResize(CudaBackend& backend, const ResizeDesc& desc);
std::unique_ptr<NaryOp> prepareElementwise(CudaBackend& backend, const ElementwiseDesc& desc);
std::unique_ptr<UnaryOp> prepareReduce(CudaBackend& backend, const ReduceDesc& desc);
void fillRandom(CudaBackend& backend, const RandomDesc& desc, Array& out);
// misbehave.cu: the device kinds of TestMisbehaviour (DeviceFault, DeviceHang).
void misbehave(CudaBackend& backend, const TestMisbehaviour& what);

} // namespace wb::cuda
