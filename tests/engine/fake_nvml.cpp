// A stand-in for libnvidia-ml.so.1 with fixed values, so that the telemetry's NVML path
// (symbol lookup, handles, enum arguments, units, error paths) is tested without a GPU.
// The signatures are NVML's; the values depend on the device index so that a mixed-up
// handle shows. Built three times (tests/engine/CMakeLists.txt): complete, without
// nvmlDeviceGetPowerUsage and nvmlErrorString (FAKE_NVML_PARTIAL), and without
// nvmlDeviceGetCount_v2 (FAKE_NVML_NO_COUNT).
//
// The test drives it through the wbFakeNvml* functions: it dlopens the same file, which
// the dynamic loader maps once, so both see the same state.

#include <cstring>

namespace {

constexpr int kSuccess = 0;
constexpr int kUninitialized = 1;
constexpr int kInvalidArgument = 2;
constexpr unsigned kMaxDevices = 4;

struct Device {
    unsigned index;
};

Device devices[kMaxDevices] = {{0}, {1}, {2}, {3}};

enum Function { Init, Count, Handle, Utilization, Memory, Clock, Power, Temperature, FunctionCount };
constexpr const char* kNames[FunctionCount] = {"nvmlInit_v2",
                                               "nvmlDeviceGetCount_v2",
                                               "nvmlDeviceGetHandleByIndex_v2",
                                               "nvmlDeviceGetUtilizationRates",
                                               "nvmlDeviceGetMemoryInfo",
                                               "nvmlDeviceGetClockInfo",
                                               "nvmlDeviceGetPowerUsage",
                                               "nvmlDeviceGetTemperature"};

struct State {
    unsigned deviceCount = 2;
    int initialised = 0;                       // nvmlInit_v2 successes minus nvmlShutdown calls
    int results[FunctionCount][kMaxDevices]{}; // what each function returns, per device
    int calls[FunctionCount]{};
} state;

int functionIndex(const char* name)
{
    for (int f = 0; f < FunctionCount; ++f)
        if (std::strcmp(kNames[f], name) == 0)
            return f;
    return -1;
}

// The result a call returns, or 0 after counting it; device-less functions use slot 0.
int enter(Function function, unsigned device = 0)
{
    ++state.calls[function];
    if (function != Init && state.initialised <= 0)
        return kUninitialized;
    return state.results[function][device];
}

bool valid(const Device* device) { return device >= devices && device < devices + state.deviceCount; }

} // namespace

struct nvmlUtilization_t {
    unsigned int gpu;
    unsigned int memory;
};

struct nvmlMemory_t {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
};

#define WB_FAKE_NVML_EXPORT extern "C" __attribute__((visibility("default")))

WB_FAKE_NVML_EXPORT int nvmlInit_v2()
{
    const int result = enter(Init);
    if (result == kSuccess)
        ++state.initialised;
    return result;
}

WB_FAKE_NVML_EXPORT int nvmlShutdown()
{
    if (state.initialised <= 0)
        return kUninitialized;
    --state.initialised;
    return kSuccess;
}

#ifndef FAKE_NVML_NO_COUNT
WB_FAKE_NVML_EXPORT int nvmlDeviceGetCount_v2(unsigned int* count)
{
    if (const int result = enter(Count))
        return result;
    if (!count)
        return kInvalidArgument;
    *count = state.deviceCount;
    return kSuccess;
}
#endif

WB_FAKE_NVML_EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned int index, Device** device)
{
    if (index >= state.deviceCount || !device)
        return kInvalidArgument;
    if (const int result = enter(Handle, index))
        return result;
    *device = &devices[index];
    return kSuccess;
}

WB_FAKE_NVML_EXPORT int nvmlDeviceGetUtilizationRates(Device* device, nvmlUtilization_t* utilization)
{
    if (!valid(device) || !utilization)
        return kInvalidArgument;
    if (const int result = enter(Utilization, device->index))
        return result;
    utilization->gpu = 40 + device->index;
    utilization->memory = 7;
    return kSuccess;
}

WB_FAKE_NVML_EXPORT int nvmlDeviceGetMemoryInfo(Device* device, nvmlMemory_t* memory)
{
    if (!valid(device) || !memory)
        return kInvalidArgument;
    if (const int result = enter(Memory, device->index))
        return result;
    memory->total = (80ull << 30) + device->index;
    memory->used = (1ull << 30) * (device->index + 1) + 12345;
    memory->free = memory->total - memory->used;
    return kSuccess;
}

WB_FAKE_NVML_EXPORT int nvmlDeviceGetClockInfo(Device* device, int type, unsigned int* clock)
{
    if (!valid(device) || type != 1 || !clock) // NVML_CLOCK_SM
        return kInvalidArgument;
    if (const int result = enter(Clock, device->index))
        return result;
    *clock = 1980 - 10 * device->index;
    return kSuccess;
}

#ifndef FAKE_NVML_PARTIAL
WB_FAKE_NVML_EXPORT int nvmlDeviceGetPowerUsage(Device* device, unsigned int* milliwatts)
{
    if (!valid(device) || !milliwatts)
        return kInvalidArgument;
    if (const int result = enter(Power, device->index))
        return result;
    *milliwatts = 250500 + device->index;
    return kSuccess;
}
#endif

WB_FAKE_NVML_EXPORT int nvmlDeviceGetTemperature(Device* device, int sensor, unsigned int* celsius)
{
    if (!valid(device) || sensor != 0 || !celsius) // NVML_TEMPERATURE_GPU
        return kInvalidArgument;
    if (const int result = enter(Temperature, device->index))
        return result;
    *celsius = 55 + device->index;
    return kSuccess;
}

#ifndef FAKE_NVML_PARTIAL
WB_FAKE_NVML_EXPORT const char* nvmlErrorString(int result)
{
    switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 9: return "Driver Not Loaded";
    case 15: return "GPU is lost";
    default: return "Unknown Error";
    }
}
#endif

// The test's controls.

WB_FAKE_NVML_EXPORT void wbFakeNvmlReset() { state = State{}; }

WB_FAKE_NVML_EXPORT void wbFakeNvmlSetDeviceCount(unsigned count)
{
    state.deviceCount = count < kMaxDevices ? count : kMaxDevices;
}

// From now on `function` returns `result` (0: works again) for `device`, or for every
// device when device < 0. Returns false for a name it does not fake.
WB_FAKE_NVML_EXPORT bool wbFakeNvmlSetResult(const char* function, int device, int result)
{
    const int f = functionIndex(function);
    if (f < 0)
        return false;
    for (unsigned d = 0; d < kMaxDevices; ++d)
        if (device < 0 || static_cast<unsigned>(device) == d)
            state.results[f][d] = result;
    return true;
}

WB_FAKE_NVML_EXPORT int wbFakeNvmlCalls(const char* function)
{
    const int f = functionIndex(function);
    return f < 0 ? -1 : state.calls[f];
}

WB_FAKE_NVML_EXPORT int wbFakeNvmlInitialised() { return state.initialised; }
