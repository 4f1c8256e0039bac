#pragma once
// The bare-library baseline (baseline.cpp), made by the module's createBaseline().

#include "core/cuda_module.h"

#include <memory>

namespace wb::cuda {

std::unique_ptr<detail::BareBaseline> createBareBaseline(int device);

} // namespace wb::cuda
