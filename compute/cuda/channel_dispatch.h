#pragma once
// Calls a generic lambda with an image's channel count as a template argument, for the
// filters that instantiate one kernel per count: visitChannels(3, "box", f) calls
// f.template operator()<3>(). Counts outside 1..4 are ShapeMismatch (validate() refuses
// them first).

#include <wb/error.h>

#include <string>

namespace wb::cuda {

template <typename F> void visitChannels(int channels, const std::string& op, F&& f)
{
    switch (channels) {
    case 1: f.template operator()<1>(); return;
    case 2: f.template operator()<2>(); return;
    case 3: f.template operator()<3>(); return;
    case 4: f.template operator()<4>(); return;
    default: fail(ErrorCode::ShapeMismatch, "images have 1 to 4 channels", {.op = op});
    }
}

} // namespace wb::cuda
