#pragma once
// SASS, the GPU's machine code, of a compiled user kernel: its cubin disassembled by the
// CUDA toolkit's nvdisasm or cuobjdump where the machine has one (a driver-only machine
// has neither; NVRTC itself cannot disassemble).

#include <string>
#include <vector>

namespace wb::cuda {

struct Disassembly {
    std::string text{}; // empty when there is none
    std::string note{}; // why there is none, or which tool made it
};

// The first of nvdisasm and cuobjdump found in $PATH, $CUDA_HOME/bin, /usr/local/cuda/bin
// and the bin folder beside the CUDA headers this module was built against; empty if none.
std::string findDisassembler();

// Runs `tool` (nvdisasm or cuobjdump, by its file name) on the cubin, without a shell; the
// cubin goes through a temporary file that is removed afterwards.
Disassembly disassemble(const std::vector<char>& cubin, const std::string& tool);

} // namespace wb::cuda
