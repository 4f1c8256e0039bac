#pragma once
// The telemetry the engine streams to the workbench (docs/protocol.md, the `telemetry`
// event; DESIGN.md "Measuring"): per GPU utilisation, memory, SM clock, power and
// temperature from NVML, and the machine's and this process's CPU use from /proc/stat and
// the process CPU clock.
//
// NVML is loaded with dlopen, never linked, so the same build runs where there is no
// driver: the sample then has no GPUs and `gpuReason` says why. Plain structs only; the
// engine session turns a sample into the event's JSON.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wb::engine {

// One GPU as NVML sees it. A field is empty when NVML does not report it for this device
// (not supported, no permission, the call failed, or this NVML lacks the function).
struct GpuTelemetry {
    int index = 0;                            // NVML's device index (PCI bus order)
    std::optional<double> utilizationPct;     // % of the last sample period with a kernel running, 0-100
    std::optional<std::uint64_t> memoryUsed;  // bytes, reserved + allocated
    std::optional<std::uint64_t> memoryTotal; // bytes
    std::optional<int> smClockMHz;            // current SM clock
    std::optional<double> powerW;             // board power draw, watts
    std::optional<int> temperatureC;          // GPU core temperature, degrees Celsius
};

struct TelemetrySample {
    double tMs = 0; // steady-clock milliseconds since the Telemetry object was made
    std::vector<GpuTelemetry> gpus;
    std::string gpuReason; // why there is no GPU telemetry; empty when there is
    // Busy share of all cores since the previous sample (or since construction), 0-100,
    // from /proc/stat; empty when /proc/stat cannot be read or no clock tick has passed.
    std::optional<double> cpuLoadPct;
    // This process's CPU time since the previous sample, as % of one core (can exceed 100
    // with several busy threads). Includes the time sample() itself takes.
    double processCpuPct = 0;
};

// The default NVML library; WB_NVML_LIBRARY in the environment names another (tests
// point it at a fake one).
inline constexpr const char* kNvmlLibrary = "libnvidia-ml.so.1";

class Telemetry {
public:
    // Loads NVML (WB_NVML_LIBRARY, or kNvmlLibrary), initialises it and takes a handle to
    // every device, and reads the first CPU baselines. Never throws for a missing or
    // failing NVML: that becomes every sample's gpuReason.
    Telemetry();
    // The same with an explicit library file or soname; the environment is not read.
    explicit Telemetry(const std::string& nvmlLibrary);
    // Shuts NVML down (it counts initialisations, so other users in the process keep it).
    ~Telemetry();

    Telemetry(const Telemetry&) = delete;
    Telemetry& operator=(const Telemetry&) = delete;

    // Reads every field once: up to five NVML calls per GPU (a field a GPU answered "not
    // supported" is not asked again), one read of /proc/stat and two clocks; docs/
    // benchmarks.md has its cost (`warpbench-cli bench-telemetry`). Thread-compatible: it
    // keeps the previous sample's counters, so one thread at a time calls it.
    TelemetrySample sample();

    // The reason given when NVML is not in use (the same as every sample's gpuReason).
    const std::string& gpuReason() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace wb::engine
