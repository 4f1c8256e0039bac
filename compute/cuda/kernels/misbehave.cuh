#pragma once
// Kernels that fail on purpose, for the engine's reliability tests (TestMisbehaviour in
// wb/backend.h; docs/protocol.md, "Test-only ops"). Never used by a real op.
//
// Launch: one block of one thread each. No shared memory.

namespace wb::cuda::kernels {

// Stores one word at `target`, which the host makes an address no allocation covers (just
// above address 0, which neither the host nor the driver ever maps, so the store faults even
// where kernels can reach host memory through HMM or ATS). The fault is an illegal address:
// sticky, the context is lost.
__global__ void faultKernel(unsigned* target) { *target = 0xdeadbeefu; }

// Spins until *flag is non-zero; the host sets it to zero and never changes it, so the kernel
// never ends. The volatile read keeps the loop from being optimised away; the sleep keeps the
// spinning thread from hogging its SM's issue slots.
__global__ void hangKernel(const volatile unsigned* flag)
{
    while (*flag == 0)
        __nanosleep(1000);
}

} // namespace wb::cuda::kernels
