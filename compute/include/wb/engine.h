#pragma once
// The engine process's fixed vocabulary, shared by the engine (compute/engine/) and every
// client (app/engine_client.*): frame layout and limits, the greeting, protocol version
// and exit codes. docs/protocol.md is the whole contract.

#include <cstddef>
#include <cstdint>

namespace wb::engine {

// Protocol version spoken by this build. A client and an engine talk when the numbers are
// equal; the greeting frame's layout never changes, so any version can read it.
inline constexpr int kProtocolVersion = 1;
inline constexpr const char* kGreetingMagic = "warpbench-engine";

// A frame: u32 little-endian payload length, one kind byte, the payload.
inline constexpr std::uint8_t kJsonFrame = 'J';
inline constexpr std::uint8_t kBinaryFrame = 'B';
inline constexpr std::size_t kFrameHeaderBytes = 5;
inline constexpr std::uint32_t kMaxJsonFrameBytes = 16u << 20;
inline constexpr std::uint32_t kMaxBinaryFrameBytes = 1u << 30;

// The engine's exit statuses. A status above 128 is a signal (128 + its number).
inline constexpr int kEngineExitOk = 0; // shutdown requested, or standard input closed
inline constexpr int kEngineExitUsage = 2;
inline constexpr int kEngineExitProtocolMismatch = 3;
inline constexpr int kEngineExitDeviceLost = 4; // a sticky CUDA error poisoned the context
inline constexpr int kEngineExitInternal = 5;

} // namespace wb::engine
