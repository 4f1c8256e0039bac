#include "telemetry.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <utility>

namespace wb::engine {

namespace {

// The part of NVML's C API that telemetry uses, declared here so that the build needs no
// nvml.h (NVML API reference: Device Queries, Initialization and Cleanup, Error
// Reporting). nvmlReturn_t, nvmlClockType_t and nvmlTemperatureSensors_t are C enums:
// int-sized in the x86-64 and AArch64 ABIs, so they cross as int.
namespace nvml {

using Return = int;
struct DeviceSt;
using Device = DeviceSt*;

struct Utilization {     // nvmlUtilization_t
    unsigned int gpu;    // % of the last sample period with a kernel running
    unsigned int memory; // % of it with device memory being read or written
};

struct Memory { // nvmlMemory_t (v1), bytes
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
};

constexpr Return kSuccess = 0;           // NVML_SUCCESS
constexpr Return kErrorNotSupported = 3; // NVML_ERROR_NOT_SUPPORTED
constexpr int kClockSm = 1;              // NVML_CLOCK_SM
constexpr int kTemperatureGpu = 0;       // NVML_TEMPERATURE_GPU

struct Api {
    Return (*init)() = nullptr;                                  // nvmlInit_v2
    Return (*shutdown)() = nullptr;                              // nvmlShutdown
    Return (*deviceCount)(unsigned int*) = nullptr;              // nvmlDeviceGetCount_v2
    Return (*handleByIndex)(unsigned int, Device*) = nullptr;    // nvmlDeviceGetHandleByIndex_v2
    Return (*utilizationRates)(Device, Utilization*) = nullptr;  // nvmlDeviceGetUtilizationRates
    Return (*memoryInfo)(Device, Memory*) = nullptr;             // nvmlDeviceGetMemoryInfo
    Return (*clockInfo)(Device, int, unsigned int*) = nullptr;   // nvmlDeviceGetClockInfo, MHz
    Return (*powerUsage)(Device, unsigned int*) = nullptr;       // nvmlDeviceGetPowerUsage, mW
    Return (*temperature)(Device, int, unsigned int*) = nullptr; // nvmlDeviceGetTemperature, °C
    const char* (*errorString)(Return) = nullptr;                // nvmlErrorString
};

} // namespace nvml

template <typename Function> void resolve(void* library, const char* name, Function& function)
{
    function = reinterpret_cast<Function>(dlsym(library, name));
}

// The fields a GPU may answer "not supported" for; such a field is not asked again.
enum class Field : unsigned {
    Utilization = 1u << 0,
    Memory = 1u << 1,
    SmClock = 1u << 2,
    Power = 1u << 3,
    Temperature = 1u << 4
};

struct Gpu {
    int index = 0;
    nvml::Device handle = nullptr; // null: NVML gave no handle, every field stays empty
    unsigned unsupported = 0;      // Field bits

    bool supports(Field field) const { return (unsupported & static_cast<unsigned>(field)) == 0; }
    void markUnsupported(Field field) { unsupported |= static_cast<unsigned>(field); }
};

// The first line of /proc/stat, in clock ticks summed over all CPUs.
struct CpuTicks {
    std::uint64_t total = 0;
    std::uint64_t idle = 0; // idle + iowait
};

// open/read rather than a stream: this runs at up to 50 Hz and the kernel writes the whole
// file on each read anyway, so the first line is all that is parsed.
std::optional<CpuTicks> readCpuTicks()
{
    const int fd = ::open("/proc/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    std::array<char, 512> buffer{};
    const ssize_t got = ::read(fd, buffer.data(), buffer.size() - 1);
    ::close(fd);
    if (got <= 4)
        return std::nullopt;
    const char* p = buffer.data();
    if (p[0] != 'c' || p[1] != 'p' || p[2] != 'u' || p[3] != ' ')
        return std::nullopt;
    p += 4;
    // user nice system idle iowait irq softirq steal guest guest_nice: guest time is
    // already counted in user and nice, so the total is the first eight.
    std::array<std::uint64_t, 8> fields{};
    std::size_t parsed = 0;
    for (; parsed < fields.size(); ++parsed) {
        while (*p == ' ')
            ++p;
        if (*p < '0' || *p > '9') // the end of the line: older kernels have fewer fields
            break;
        char* end = nullptr;
        fields[parsed] = std::strtoull(p, &end, 10);
        p = end;
    }
    if (parsed < 4)
        return std::nullopt;
    CpuTicks ticks;
    for (const std::uint64_t field : fields)
        ticks.total += field;
    ticks.idle = fields[3] + fields[4];
    return ticks;
}

double processCpuSeconds()
{
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

} // namespace

struct Telemetry::Impl {
    void* library = nullptr;
    nvml::Api api;
    bool initialised = false;
    std::vector<Gpu> gpus;
    std::string gpuReason;

    using Clock = std::chrono::steady_clock;
    Clock::time_point start = Clock::now();
    Clock::time_point lastWall = start;
    double lastProcessCpu = processCpuSeconds();
    std::optional<CpuTicks> lastTicks = readCpuTicks();

    void open(const std::string& path);
    std::string errorText(nvml::Return code) const;
    GpuTelemetry read(Gpu& gpu) const;
    std::optional<double> cpuLoad();
};

std::string Telemetry::Impl::errorText(nvml::Return code) const
{
    const char* text = api.errorString ? api.errorString(code) : nullptr;
    const std::string number = "NVML error " + std::to_string(code);
    return text && *text ? std::string(text) + " (" + number + ")" : number;
}

void Telemetry::Impl::open(const std::string& path)
{
    dlerror();
    library = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (!library) {
        const char* why = dlerror();
        gpuReason = "no NVIDIA driver found: " + (why ? std::string(why) : path + " could not be loaded");
        return;
    }
    resolve(library, "nvmlInit_v2", api.init);
    resolve(library, "nvmlShutdown", api.shutdown);
    resolve(library, "nvmlDeviceGetCount_v2", api.deviceCount);
    resolve(library, "nvmlDeviceGetHandleByIndex_v2", api.handleByIndex);
    resolve(library, "nvmlDeviceGetUtilizationRates", api.utilizationRates);
    resolve(library, "nvmlDeviceGetMemoryInfo", api.memoryInfo);
    resolve(library, "nvmlDeviceGetClockInfo", api.clockInfo);
    resolve(library, "nvmlDeviceGetPowerUsage", api.powerUsage);
    resolve(library, "nvmlDeviceGetTemperature", api.temperature);
    resolve(library, "nvmlErrorString", api.errorString);
    // Without these four there is nothing to sample; a missing per-field function only
    // leaves that field empty.
    for (const auto& [present, name] :
         {std::pair{api.init != nullptr, "nvmlInit_v2"}, std::pair{api.shutdown != nullptr, "nvmlShutdown"},
          std::pair{api.deviceCount != nullptr, "nvmlDeviceGetCount_v2"},
          std::pair{api.handleByIndex != nullptr, "nvmlDeviceGetHandleByIndex_v2"}}) {
        if (!present) {
            gpuReason = path + " has no " + name + " (NVML too old, or not NVML)";
            return;
        }
    }
    if (const nvml::Return status = api.init(); status != nvml::kSuccess) {
        gpuReason = "NVML (" + path + ") could not start: " + errorText(status);
        return;
    }
    initialised = true;
    unsigned int count = 0;
    if (const nvml::Return status = api.deviceCount(&count); status != nvml::kSuccess) {
        gpuReason = "NVML could not count the GPUs: " + errorText(status);
        return;
    }
    if (count == 0) {
        gpuReason = "NVML found no GPU";
        return;
    }
    std::string firstFailure;
    int opened = 0;
    for (unsigned int i = 0; i < count; ++i) {
        Gpu gpu;
        gpu.index = static_cast<int>(i);
        if (const nvml::Return status = api.handleByIndex(i, &gpu.handle); status != nvml::kSuccess) {
            gpu.handle = nullptr;
            if (firstFailure.empty())
                firstFailure = errorText(status);
        } else {
            ++opened;
        }
        gpus.push_back(gpu);
    }
    if (opened == 0) {
        gpus.clear();
        gpuReason = "NVML could not open any of its " + std::to_string(count) + " GPUs: " + firstFailure;
    }
}

GpuTelemetry Telemetry::Impl::read(Gpu& gpu) const
{
    GpuTelemetry out;
    out.index = gpu.index;
    if (!gpu.handle)
        return out;
    // Success fills the field; "not supported" is remembered; any other error (GPU lost,
    // no permission, unknown) leaves the field empty this time and asks again next time.
    const auto ask = [&gpu](Field field, bool present, auto call) {
        if (!present || !gpu.supports(field))
            return false;
        const nvml::Return status = call();
        if (status == nvml::kErrorNotSupported)
            gpu.markUnsupported(field);
        return status == nvml::kSuccess;
    };
    nvml::Utilization utilization{};
    if (ask(Field::Utilization, api.utilizationRates != nullptr,
            [&] { return api.utilizationRates(gpu.handle, &utilization); }))
        out.utilizationPct = static_cast<double>(utilization.gpu);
    nvml::Memory memory{};
    if (ask(Field::Memory, api.memoryInfo != nullptr, [&] { return api.memoryInfo(gpu.handle, &memory); })) {
        out.memoryUsed = memory.used;
        out.memoryTotal = memory.total;
    }
    unsigned int smClock = 0;
    if (ask(Field::SmClock, api.clockInfo != nullptr,
            [&] { return api.clockInfo(gpu.handle, nvml::kClockSm, &smClock); }))
        out.smClockMHz = static_cast<int>(smClock);
    unsigned int milliwatts = 0;
    if (ask(Field::Power, api.powerUsage != nullptr, [&] { return api.powerUsage(gpu.handle, &milliwatts); }))
        out.powerW = milliwatts / 1000.0;
    unsigned int celsius = 0;
    if (ask(Field::Temperature, api.temperature != nullptr,
            [&] { return api.temperature(gpu.handle, nvml::kTemperatureGpu, &celsius); }))
        out.temperatureC = static_cast<int>(celsius);
    return out;
}

std::optional<double> Telemetry::Impl::cpuLoad()
{
    const std::optional<CpuTicks> now = readCpuTicks();
    if (!now) {
        lastTicks.reset();
        return std::nullopt;
    }
    if (!lastTicks || now->total < lastTicks->total) { // first reading, or the counters went backwards
        lastTicks = now;
        return std::nullopt;
    }
    const std::uint64_t total = now->total - lastTicks->total;
    if (total == 0) // less than a clock tick since the last sample: keep the baseline
        return std::nullopt;
    // iowait may step backwards on some kernels, so idle is clamped rather than trusted.
    const double idle = now->idle >= lastTicks->idle ? static_cast<double>(now->idle - lastTicks->idle) : 0.0;
    lastTicks = now;
    const double busy = 100.0 * (1.0 - idle / static_cast<double>(total));
    return busy < 0 ? 0.0 : busy > 100 ? 100.0 : busy;
}

Telemetry::Telemetry()
    : m_impl(std::make_unique<Impl>())
{
    const char* overridePath = std::getenv("WB_NVML_LIBRARY");
    m_impl->open(overridePath && *overridePath ? overridePath : kNvmlLibrary);
}

Telemetry::Telemetry(const std::string& nvmlLibrary)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->open(nvmlLibrary);
}

Telemetry::~Telemetry()
{
    if (m_impl->initialised)
        m_impl->api.shutdown();
    if (m_impl->library)
        dlclose(m_impl->library);
}

TelemetrySample Telemetry::sample()
{
    Impl& impl = *m_impl;
    TelemetrySample out;
    out.gpus.reserve(impl.gpus.size());
    for (Gpu& gpu : impl.gpus)
        out.gpus.push_back(impl.read(gpu));
    out.gpuReason = impl.gpuReason;
    out.cpuLoadPct = impl.cpuLoad();

    const Impl::Clock::time_point wall = Impl::Clock::now();
    const double processCpu = processCpuSeconds();
    const double wallSeconds = std::chrono::duration<double>(wall - impl.lastWall).count();
    out.processCpuPct = wallSeconds > 0 ? 100.0 * (processCpu - impl.lastProcessCpu) / wallSeconds : 0.0;
    impl.lastWall = wall;
    impl.lastProcessCpu = processCpu;
    out.tMs = std::chrono::duration<double, std::milli>(wall - impl.start).count();
    return out;
}

const std::string& Telemetry::gpuReason() const { return m_impl->gpuReason; }

} // namespace wb::engine
