#include "nvrtc_compiler.h"

#include "check.h"

#include <wb/error.h>

#include <nvrtc.h>

#include <algorithm>
#include <charconv>

namespace wb::cuda {

namespace {

// Owns one nvrtcProgram.
class Program {
public:
    explicit Program(const CompileRequest& request)
    {
        std::vector<const char*> names, contents;
        for (const auto& [name, text] : request.headers) {
            names.push_back(name.c_str());
            contents.push_back(text.c_str());
        }
        WB_NVRTC_CHECK(nvrtcCreateProgram(&m_program, request.source.c_str(), request.programName.c_str(),
                                          static_cast<int>(names.size()), contents.data(), names.data()));
    }
    ~Program()
    {
        if (m_program)
            nvrtcDestroyProgram(&m_program);
    }
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    nvrtcProgram get() const { return m_program; }

private:
    nvrtcProgram m_program = nullptr;
};

// The sizes NVRTC reports for its log and PTX count the terminating NUL.
void dropTrailingNuls(std::string& text)
{
    while (!text.empty() && text.back() == '\0')
        text.pop_back();
}

std::string programLog(nvrtcProgram program)
{
    std::size_t size = 0;
    WB_NVRTC_CHECK(nvrtcGetProgramLogSize(program, &size));
    std::string log(size, '\0');
    if (size > 0)
        WB_NVRTC_CHECK(nvrtcGetProgramLog(program, log.data()));
    dropTrailingNuls(log);
    return log;
}

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// "sm_90" -> true (a real architecture), "compute_90" -> false; anything else is refused
// here rather than by NVRTC, whose message would only say the option is invalid.
bool isRealArchitecture(const std::string& arch)
{
    const bool real = startsWith(arch, "sm_");
    if (real || startsWith(arch, "compute_")) {
        const std::string_view number = std::string_view(arch).substr(real ? 3 : 8);
        auto allowed = [](char c) { return (c >= '0' && c <= '9') || c == 'a' || c == 'f'; };
        if (!number.empty() && std::all_of(number.begin(), number.end(), allowed))
            return real;
    }
    fail(ErrorCode::InvalidArgument, "NVRTC architecture '" + arch + "' is neither sm_XY nor compute_XY",
         {.library = "NVRTC"});
}

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

// "file(12): error: message" -> a Diagnostic without a column; false for other lines.
bool parseMessageLine(std::string_view line, Diagnostic& out)
{
    const auto open = line.find('(');
    if (open == std::string_view::npos || open == 0)
        return false;
    const auto close = line.find("): ", open);
    if (close == std::string_view::npos)
        return false;
    int number = 0;
    const auto digits = line.substr(open + 1, close - open - 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty())
        return false;
    const std::string_view rest = line.substr(close + 3);
    // The severity runs to the first ':' or to a warning number ("warning #177-D: ...").
    const auto colon = rest.find(": ");
    if (colon == std::string_view::npos)
        return false;
    std::string_view severity = rest.substr(0, colon);
    std::string_view message = rest.substr(colon + 2);
    if (const auto hash = severity.find(" #"); hash != std::string_view::npos) {
        message = rest.substr(hash + 1);
        severity = severity.substr(0, hash);
    }
    static constexpr std::string_view kSeverities[] = {"error",       "warning",       "remark", "catastrophic error",
                                                       "fatal error", "internal error"};
    if (std::find(std::begin(kSeverities), std::end(kSeverities), severity) == std::end(kSeverities))
        return false;
    out = Diagnostic{};
    out.file = std::string(line.substr(0, open));
    out.line = number;
    out.severity = std::string(severity);
    out.message = std::string(trim(message));
    return true;
}

// NVRTC echoes the source line indented by two characters and puts '^' under the column.
int caretColumn(std::string_view caretLine)
{
    const auto caret = caretLine.find('^');
    if (caret == std::string_view::npos || caret < 2 || trim(caretLine) != "^")
        return 0;
    return static_cast<int>(caret) - 2 + 1;
}

} // namespace

std::string_view CompileResult::loweredName(std::string_view expression) const
{
    for (const auto& [name, lowered] : loweredNames) {
        if (name == expression)
            return lowered;
    }
    return {};
}

CompileResult compile(const CompileRequest& request)
{
    const bool real = isRealArchitecture(request.arch);
    Program program(request);
    for (const std::string& expression : request.nameExpressions)
        WB_NVRTC_CHECK(nvrtcAddNameExpression(program.get(), expression.c_str()));

    std::vector<std::string> options{"--gpu-architecture=" + request.arch};
    options.insert(options.end(), request.options.begin(), request.options.end());
    std::vector<const char*> argv;
    for (const std::string& option : options)
        argv.push_back(option.c_str());
    const nvrtcResult status = nvrtcCompileProgram(program.get(), static_cast<int>(argv.size()), argv.data());

    CompileResult result;
    result.log = programLog(program.get());
    if (status == NVRTC_ERROR_INVALID_OPTION && result.log.empty()) {
        result.log = "nvrtc: error: the options were refused:";
        for (const std::string& option : options)
            result.log += " " + option;
    }
    result.diagnostics = parseDiagnostics(result.log);
    if (status == NVRTC_ERROR_COMPILATION || status == NVRTC_ERROR_INVALID_OPTION)
        return result;
    checkNvrtc(status, WB_CUDA_CALL_SITE("nvrtcCompileProgram(program, options)"));

    for (const std::string& expression : request.nameExpressions) {
        const char* lowered = nullptr;
        WB_NVRTC_CHECK(nvrtcGetLoweredName(program.get(), expression.c_str(), &lowered));
        result.loweredNames.emplace_back(expression, lowered ? lowered : "");
    }
    if (real) {
        std::size_t size = 0;
        WB_NVRTC_CHECK(nvrtcGetCUBINSize(program.get(), &size));
        result.cubin.resize(size);
        if (size > 0)
            WB_NVRTC_CHECK(nvrtcGetCUBIN(program.get(), result.cubin.data()));
    }
    if (!real || request.wantPtx) {
        std::size_t size = 0;
        WB_NVRTC_CHECK(nvrtcGetPTXSize(program.get(), &size));
        result.ptx.assign(size, '\0');
        if (size > 0)
            WB_NVRTC_CHECK(nvrtcGetPTX(program.get(), result.ptx.data()));
        dropTrailingNuls(result.ptx);
    }
    if (real ? result.cubin.empty() : result.ptx.empty())
        fail(ErrorCode::Internal,
             "NVRTC compiled " + request.programName + " for " + request.arch + " but gave no code",
             {.library = "NVRTC"});
    result.success = true;
    return result;
}

NvrtcVersion nvrtcVersion()
{
    NvrtcVersion version;
    WB_NVRTC_CHECK(::nvrtcVersion(&version.major, &version.minor));
    return version;
}

std::vector<int> supportedArchitectures()
{
    int count = 0;
    WB_NVRTC_CHECK(nvrtcGetNumSupportedArchs(&count));
    std::vector<int> archs(static_cast<std::size_t>(count));
    if (count > 0)
        WB_NVRTC_CHECK(nvrtcGetSupportedArchs(archs.data()));
    std::sort(archs.begin(), archs.end());
    return archs;
}

std::string targetArchitecture(int major, int minor, const std::vector<int>& supported)
{
    const int device = 10 * major + minor;
    if (std::find(supported.begin(), supported.end(), device) != supported.end())
        return "sm_" + std::to_string(device);
    int below = 0;
    for (int arch : supported) {
        if (arch < device)
            below = std::max(below, arch);
    }
    if (below == 0) {
        const NvrtcVersion version = nvrtcVersion();
        fail(ErrorCode::Unsupported,
             "NVRTC " + std::to_string(version.major) + "." + std::to_string(version.minor) +
                 " cannot compile for compute capability " + std::to_string(major) + "." + std::to_string(minor) +
                 (supported.empty() ? std::string()
                                    : " (the oldest it supports is sm_" + std::to_string(supported.front()) + ")"),
             {.library = "NVRTC"});
    }
    return "compute_" + std::to_string(below);
}

std::vector<Diagnostic> parseDiagnostics(std::string_view log)
{
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= log.size();) {
        const auto end = std::min(log.find('\n', start), log.size());
        lines.push_back(log.substr(start, end - start));
        start = end + 1;
    }
    std::vector<Diagnostic> diagnostics;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Diagnostic diagnostic;
        if (!parseMessageLine(lines[i], diagnostic))
            continue;
        // The echoed source line and the caret line follow a message that has a place.
        if (i + 2 < lines.size() && startsWith(lines[i + 1], "  ")) {
            if (const int column = caretColumn(lines[i + 2]); column > 0) {
                diagnostic.column = column;
                i += 2;
            }
        }
        diagnostics.push_back(std::move(diagnostic));
    }
    return diagnostics;
}

} // namespace wb::cuda
