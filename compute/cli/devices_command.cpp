#include "arguments.h"
#include "commands.h"

#include "bench/bench_runner.h"
#include "bench/run_record.h"

#include <wb/device.h>
#include <wb/version.h>

#include <iostream>

namespace wb::cli {

namespace {

void line(const std::string& label, const std::string& value)
{
    std::cout << "  " << label << std::string(label.size() < 20 ? 20 - label.size() : 1, ' ') << value << '\n';
}

void printCpu(Runtime& runtime)
{
    const CpuInfo cpu = runtime.cpuInfo();
    const CpuLibraries libraries = runtime.cpuLibraries();
    std::cout << "CPU\n";
    line("model", cpu.model);
    line("logical cores",
         std::to_string(cpu.logicalCores) + " (threads in use: " + std::to_string(runtime.cpuThreads()) + ")");
    line("memory", bench::formatBytes(static_cast<double>(cpu.memoryBytes)) + " total, " +
                       bench::formatBytes(static_cast<double>(cpu.availableBytes)) + " available");
    line("BLAS", libraries.blas);
    line("FFT", libraries.fft);
    line("OpenCV", libraries.opencv);
}

void printGpus(const CudaStatus& cuda)
{
    if (!cuda.available) {
        std::cout << "\nGPU\n  none: " << cuda.reason << '\n';
        return;
    }
    std::cout << "\nCUDA\n";
    line("driver", bench::cudaVersionText(cuda.driverVersion));
    line("runtime", bench::cudaVersionText(cuda.runtimeVersion));
    for (const auto& [library, version] : cuda.libraries)
        line(library, version);
    for (const GpuInfo& gpu : cuda.gpus) {
        std::cout << "\nGPU " << gpu.index << ": " << gpu.name << '\n';
        line("compute capability", std::to_string(gpu.ccMajor) + "." + std::to_string(gpu.ccMinor));
        line("SMs", std::to_string(gpu.smCount));
        line("memory", bench::formatBytes(static_cast<double>(gpu.totalMemory)) + " total, " +
                           bench::formatBytes(static_cast<double>(gpu.freeMemory)) + " free");
        line("clocks", "SM " + std::to_string(gpu.smClockMHz) + " MHz, memory " + std::to_string(gpu.memClockMHz) +
                           " MHz, " + std::to_string(gpu.memBusWidthBits) + "-bit bus");
        line("L2 cache", bench::formatBytes(static_cast<double>(gpu.l2Bytes)));
        line("PCI bus", gpu.pciBusId);
    }
}

} // namespace

int runDevices(const std::vector<std::string>& words)
{
    const Arguments args("devices", words, {}, {"--json"});
    Runtime& runtime = Runtime::instance();
    if (args.has("--json")) {
        std::cout << bench::devicesJson();
        return kExitOk;
    }
    std::cout << "Warpbench " << kVersionString << "\n\n";
    printCpu(runtime);
    printGpus(runtime.cudaStatus());
    return kExitOk;
}

} // namespace wb::cli
