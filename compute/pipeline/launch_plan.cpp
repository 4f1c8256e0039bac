#include "launch_plan.h"

#include "expression_extent.h"
#include "io/file_access.h"

#include <wb/error.h>
#include <wb/op_registry.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

namespace wb::pipeline {

namespace {

namespace fs = std::filesystem;

// A problem with one argument; lowering goes on with the others.
struct Problem {
    SourceLocation location;
    int length = 1;
    std::string message;
};

const Expression* argumentOf(const Call& call, const std::string& name)
{
    static const OpInfo& op = *findOp("launch");
    std::size_t position = 0;
    for (const Argument& argument : call.arguments) {
        // Extra positional arguments are the checker's diagnostic; they bind to nothing here.
        const bool positional = argument.keyword.empty();
        if (positional && position >= op.params.size())
            continue;
        if (positional ? op.params[position++].name == name : argument.keyword == name)
            return argument.value.get();
    }
    return nullptr;
}

const Number* numberLiteral(const Expression& expression, bool* negative)
{
    *negative = false;
    if (const auto* number = std::get_if<Number>(&expression.node))
        return number;
    if (const auto* negation = std::get_if<Negation>(&expression.node)) {
        *negative = true;
        return std::get_if<Number>(&negation->operand->node);
    }
    return nullptr;
}

std::string joined(const std::vector<std::string>& words)
{
    std::string text;
    for (const std::string& word : words)
        text += (text.empty() ? "" : ", ") + word;
    return text;
}

std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates)
{
    const std::vector<std::string> near = nearestNames(word, candidates, 1);
    return near.empty() ? "" : " (did you mean '" + near.front() + "'?)";
}

std::string paramList(const KernelSignature& kernel)
{
    std::vector<std::string> params;
    for (const KernelParam& param : kernel.params)
        params.push_back(param.type + " " + param.name);
    return kernel.name + "(" + joined(params) + ")";
}

bool isUnsigned(const KernelParam& param)
{
    return param.type.find("unsigned") != std::string::npos || param.type.rfind("uint", 0) == 0 ||
           param.type == "size_t" || param.type == "bool";
}

// The integer count parameters of the sound size rules (see docs): "n" and its synonyms.
bool isCountName(const std::string& name)
{
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const char* word : {"n", "size", "count", "len", "length", "num", "numel", "num_elements", "elements"})
        if (lower == word)
            return true;
    return false;
}

class LaunchLowerer {
public:
    LaunchLowerer(const Call& call, SourceLocation at, const LaunchLowering& lowering)
        : m_call(call)
        , m_at(at)
        , m_lowering(lowering)
    {
    }

    std::optional<LoweredLaunch> run(std::vector<Diagnostic>& diagnostics)
    {
        std::optional<LoweredLaunch> lowered;
        if (readKernel()) {
            bindArguments();
            if (m_problems.empty())
                chooseOut();
            readDefines();
            if (m_problems.empty())
                geometry();
            if (m_problems.empty())
                checkSizes();
            if (m_problems.empty())
                lowered = LoweredLaunch{std::move(m_desc), std::move(m_inputs)};
        }
        for (Problem& problem : m_problems)
            diagnostics.push_back(
                {Severity::Error, problem.location, std::max(1, problem.length), std::move(problem.message)});
        return lowered;
    }

private:
    void problem(SourceLocation location, int length, std::string message)
    {
        m_problems.push_back({location, length, std::move(message)});
    }

    void problem(const Expression& at, std::string message) { problem(at.location, extentOf(at), std::move(message)); }

    // The file and the kernel's signature; false when there is nothing to bind against.
    bool readKernel()
    {
        const Expression& kernelArgument = *argumentOf(m_call, "kernel");
        const std::string text = std::get<String>(kernelArgument.node).value;
        const std::size_t colon = text.rfind(':');
        SourceLocation inside = kernelArgument.location;
        ++inside.column; // past the opening quote
        if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
            problem(kernelArgument,
                    "kernel must be \"path.cu:name\" (the file, a colon, the kernel's name), found \"" + text + "\"");
            return false;
        }
        const std::string path = text.substr(0, colon);
        const std::string name = text.substr(colon + 1);
        const fs::path resolved = m_lowering.resolvePath(path);
        std::error_code error;
        if (!fs::is_regular_file(resolved, error)) {
            std::vector<std::string> siblings;
            for (const auto& entry : fs::directory_iterator(resolved.parent_path(), error))
                siblings.push_back(entry.path().filename().string());
            problem(inside, static_cast<int>(path.size()),
                    "kernel file '" + path + "' does not exist (looked for " + resolved.string() + ")" +
                        didYouMean(resolved.filename().string(), siblings));
            return false;
        }
        std::optional<std::string> source;
        try {
            const std::vector<unsigned char> bytes = detail::readWholeFile(resolved.string());
            source.emplace(bytes.begin(), bytes.end());
        } catch (const Error& failure) {
            problem(inside, static_cast<int>(path.size()), failure.message());
            return false;
        }
        SourceLocation nameAt = inside;
        nameAt.column += static_cast<int>(colon) + 1;
        const int nameLength = static_cast<int>(name.size());
        const std::vector<std::string> names = kernelNames(*source);
        const std::string file = resolved.filename().string();
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            problem(nameAt, nameLength,
                    "no kernel '" + name + "' in " + file + didYouMean(name, names) +
                        (names.empty() ? "; it has no __global__ function" : "; its kernels: " + joined(names)));
            return false;
        }
        try {
            m_desc.kernel = parseKernelSignature(*source, name);
        } catch (const Error& failure) {
            problem(nameAt, nameLength, failure.message());
            return false;
        }
        if (m_desc.kernel.templated) {
            problem(nameAt, nameLength,
                    "kernel '" + name + "' is a template, and launch() cannot name an instantiation; launch an " +
                        "extern \"C\" kernel that calls the one you want");
            return false;
        }
        m_desc.source = *source;
        m_desc.file = resolved.string();
        m_desc.directory = resolved.parent_path().string();
        m_desc.where = "launch of " + name + " (" + file + ") at " + toString(m_at);
        m_desc.callLine = m_at.line;
        m_desc.callColumn = m_at.column;
        return true;
    }

    void bindArguments()
    {
        const KernelSignature& kernel = m_desc.kernel;
        const std::size_t count = kernel.params.size();
        std::vector<const Expression*> bound(count, nullptr);
        const Expression* args = argumentOf(m_call, "args");
        std::vector<const Argument*> elements;
        if (args) {
            if (const auto* tuple = std::get_if<Tuple>(&args->node)) {
                for (const Argument& element : tuple->elements)
                    elements.push_back(&element);
            } else {
                elements.push_back(nullptr); // args=x: x is the one argument
            }
        }
        std::size_t position = 0;
        std::vector<std::string> names;
        for (const KernelParam& param : kernel.params)
            names.push_back(param.name);
        for (const Argument* element : elements) {
            const Expression& value = element ? *element->value : *args;
            if (!element || element->keyword.empty()) {
                if (position >= count) {
                    problem(value, kernel.name + " takes " + std::to_string(count) + " argument" +
                                       (count == 1 ? "" : "s") + ", found more: " + paramList(kernel));
                    break;
                }
                bound[position++] = &value;
                continue;
            }
            const auto found = std::find(names.begin(), names.end(), element->keyword);
            const int length = static_cast<int>(element->keyword.size());
            if (found == names.end()) {
                problem(element->keywordLocation, length,
                        kernel.name + " has no parameter '" + element->keyword + "'" +
                            didYouMean(element->keyword, names) + ": " + paramList(kernel));
            } else if (bound[static_cast<std::size_t>(found - names.begin())]) {
                problem(element->keywordLocation, length,
                        "parameter '" + element->keyword + "' of " + kernel.name +
                            " is given twice (by position and by name)");
            } else {
                bound[static_cast<std::size_t>(found - names.begin())] = &value;
            }
        }
        std::vector<std::string> missing;
        for (std::size_t i = 0; i < count; ++i)
            if (!bound[i])
                missing.push_back("'" + (names[i].empty() ? "#" + std::to_string(i + 1) : names[i]) + "'");
        if (!missing.empty()) {
            const Expression* at = args ? args : nullptr;
            const std::string message = kernel.name + " takes " + std::to_string(count) + " arguments, " +
                                        std::to_string(count - missing.size()) + " given; missing " + joined(missing) +
                                        ": " + paramList(kernel);
            if (at)
                problem(*at, message);
            else
                problem(m_at, 6, message);
        }
        m_desc.arguments.resize(count);
        m_bound = bound;
        for (std::size_t i = 0; i < count; ++i)
            if (bound[i])
                bindOne(kernel.params[i], *bound[i], m_desc.arguments[i]);
    }

    void bindOne(const KernelParam& param, const Expression& value, LaunchArgument& argument)
    {
        bool negative = false;
        const Number* number = numberLiteral(value, &negative);
        const std::string who = "parameter '" + param.name + "' (" + param.type + ") of " + m_desc.kernel.name;
        switch (param.kind) {
        case KernelParamKind::Other:
            problem(value, who + " is neither a number nor a pointer: launch() cannot pass it");
            return;
        case KernelParamKind::Pointer: {
            if (number) {
                problem(value, who + " takes an array, found a number");
                return;
            }
            const int index = m_lowering.lowerArray(value);
            const PlanValue& array = m_lowering.value(index);
            if (param.dtype && array.dtype != *param.dtype) {
                problem(value, toString(value) + " is " + std::string(name(array.dtype)) + ", but " + who +
                                   " points to " + std::string(name(*param.dtype)) +
                                   " elements: convert it with astype()");
                return;
            }
            argument.kind = LaunchArgument::Kind::Array;
            argument.input = static_cast<int>(m_inputs.size());
            m_inputs.push_back(index);
            return;
        }
        case KernelParamKind::Integer:
        case KernelParamKind::Real: break;
        }
        if (!number) {
            problem(value, who + " takes a number, found an array");
            return;
        }
        argument.kind = LaunchArgument::Kind::Scalar;
        const double x = negative ? -number->value : number->value;
        if (param.kind == KernelParamKind::Real) {
            if (param.scalarBytes == 4) {
                const float f = static_cast<float>(x);
                std::memcpy(argument.bytes.data(), &f, sizeof f);
            } else {
                std::memcpy(argument.bytes.data(), &x, sizeof x);
            }
            return;
        }
        if (!number->isInteger) {
            problem(value, who + " takes an integer, found " + toString(value));
            return;
        }
        const std::int64_t integer = negative ? -number->integer : number->integer;
        const int bits = static_cast<int>(param.scalarBytes) * 8;
        const bool unsignedParam = isUnsigned(param);
        const bool fits = param.type == "bool" ? (integer == 0 || integer == 1)
                          : unsignedParam      ? integer >= 0 && (bits >= 64 || integer < (std::int64_t{1} << bits))
                                               : bits >= 64 || (integer >= -(std::int64_t{1} << (bits - 1)) &&
                                                           integer < (std::int64_t{1} << (bits - 1)));
        if (!fits) {
            problem(value, toString(value) + " does not fit " + who);
            return;
        }
        std::memcpy(argument.bytes.data(), &integer, sizeof integer); // little-endian: the low bytes first
        if (param.name.empty())
            return;
        m_integers[param.name] = integer;
    }

    void chooseOut()
    {
        const KernelSignature& kernel = m_desc.kernel;
        const Expression* out = argumentOf(m_call, "out");
        std::vector<std::string> pointers;
        std::vector<int> writable;
        for (std::size_t i = 0; i < kernel.params.size(); ++i) {
            const KernelParam& param = kernel.params[i];
            if (param.kind != KernelParamKind::Pointer)
                continue;
            pointers.push_back(param.name);
            if (!param.pointeeConst)
                writable.push_back(static_cast<int>(i));
        }
        if (out) {
            const std::string wanted = std::get<String>(out->node).value;
            const auto it = std::find_if(kernel.params.begin(), kernel.params.end(),
                                         [&](const KernelParam& param) { return param.name == wanted; });
            if (it == kernel.params.end() || it->kind != KernelParamKind::Pointer) {
                problem(*out, "out must name a pointer parameter of " + kernel.name + " (" + joined(pointers) +
                                  "), found \"" + wanted + "\"" + didYouMean(wanted, pointers));
                return;
            }
            if (it->pointeeConst) {
                problem(*out, "out \"" + wanted + "\" is " + it->type + ": " + kernel.name + " does not write it");
                return;
            }
            m_desc.outParam = static_cast<int>(it - kernel.params.begin());
        } else if (writable.size() == 1) {
            m_desc.outParam = writable.front();
        } else {
            std::vector<std::string> names;
            for (const int i : writable)
                names.push_back(kernel.params[static_cast<std::size_t>(i)].name);
            problem(m_at, 6,
                    writable.empty() ? kernel.name + " has no non-const pointer parameter for its result"
                                     : kernel.name + " writes several arrays (" + joined(names) +
                                           "): say which one is the result with out=\"" + names.front() + "\"");
            return;
        }
        const LaunchArgument& argument = m_desc.arguments[static_cast<std::size_t>(m_desc.outParam)];
        const PlanValue& array = m_lowering.value(m_inputs.at(static_cast<std::size_t>(argument.input)));
        m_desc.outShape = array.shape;
        m_desc.outDType = array.dtype;
    }

    void readDefines()
    {
        const Expression* defines = argumentOf(m_call, "defines");
        if (!defines)
            return;
        for (const Argument& element : std::get<Tuple>(defines->node).elements) {
            bool negative = false;
            const Number* number = numberLiteral(*element.value, &negative);
            m_desc.defines.emplace_back(element.keyword, negative ? -number->integer : number->integer);
        }
    }

    // A block or grid argument as terms; names must be defines.
    std::optional<std::array<LaunchTerm, 3>> terms(const char* which)
    {
        const Expression* value = argumentOf(m_call, which);
        if (!value)
            return std::nullopt;
        std::vector<const Expression*> elements;
        if (const auto* tuple = std::get_if<Tuple>(&value->node)) {
            for (const Argument& element : tuple->elements)
                elements.push_back(element.value.get());
        } else {
            elements.push_back(value);
        }
        std::array<LaunchTerm, 3> result{};
        for (std::size_t i = 0; i < elements.size() && i < 3; ++i) {
            if (const auto* name = std::get_if<Name>(&elements[i]->node)) {
                const bool known = std::any_of(m_desc.defines.begin(), m_desc.defines.end(),
                                               [&](const auto& define) { return define.first == name->name; });
                if (!known)
                    problem(*elements[i], std::string(which) + " uses '" + name->name +
                                              "', which is not among the launch's defines=(...)");
                result[i].define = name->name;
            } else {
                result[i].value = std::get<Number>(elements[i]->node).integer;
            }
        }
        return result;
    }

    void geometry()
    {
        const bool image = m_desc.outShape.ndim() == 2 || m_desc.outShape.ndim() == 3;
        if (auto block = terms("block"))
            m_desc.blockSpec = *block;
        else
            m_desc.blockSpec = image ? std::array<LaunchTerm, 3>{LaunchTerm{16}, LaunchTerm{16}, LaunchTerm{1}}
                                     : std::array<LaunchTerm, 3>{LaunchTerm{256}, LaunchTerm{1}, LaunchTerm{1}};
        m_desc.gridSpec = terms("grid");
        if (const Expression* shared = argumentOf(m_call, "shared"))
            m_desc.sharedBytes = static_cast<std::uint32_t>(std::get<Number>(shared->node).integer);
        if (!m_problems.empty())
            return;
        try {
            m_desc.resolveGeometry();
        } catch (const Error& error) {
            const Expression* at = argumentOf(m_call, error.message().rfind("grid", 0) == 0 ? "grid" : "block");
            if (at)
                problem(*at, error.message());
            else
                problem(m_at, 6,
                        error.message() + " (the default geometry for out " + m_desc.outShape.toString() + ")");
        }
    }

    // The sound rules of docs/pipeline-language.md ("launch", "Sizes"): arrays too small for
    // what the launch says it will touch.
    void checkSizes()
    {
        const KernelSignature& kernel = m_desc.kernel;
        const std::int64_t outElements = m_desc.outShape.numel();
        const std::string& outName = kernel.params[static_cast<std::size_t>(m_desc.outParam)].name;
        // The count rule: a kernel whose one integer parameter is a count.
        std::optional<std::pair<std::string, std::int64_t>> count;
        int integers = 0;
        for (const KernelParam& param : kernel.params) {
            if (param.kind != KernelParamKind::Integer)
                continue;
            ++integers;
            if (isCountName(param.name) && m_integers.count(param.name))
                count = {param.name, m_integers[param.name]};
        }
        if (integers != 1)
            count.reset();
        const auto width = m_integers.find("width");
        const auto height = m_integers.find("height");
        const bool derived1d = !m_desc.gridSpec && m_desc.outShape.ndim() == 1;
        for (std::size_t i = 0; i < kernel.params.size(); ++i) {
            if (kernel.params[i].kind != KernelParamKind::Pointer)
                continue;
            const Expression& value = *m_bound[i];
            const PlanValue& array = m_lowering.value(m_inputs.at(static_cast<std::size_t>(m_desc.arguments[i].input)));
            const std::int64_t elements = array.shape.numel();
            const std::string has = toString(value) + " has " + std::to_string(elements) + " elements";
            if (derived1d && elements < outElements) {
                problem(value, has + "; the grid covers " + std::to_string(outElements) + " (out " + outName + " has " +
                                   std::to_string(outElements) + ")");
            } else if (!kernel.params[i].pointeeConst) {
                // The count rules are about what the kernel reads: a written array may be a
                // histogram or a reduction's one element.
            } else if (count && elements < count->second) {
                problem(value, has + "; " + kernel.name + " reads " + count->first + " = " +
                                   std::to_string(count->second) + " of them");
            } else if (width != m_integers.end() && height != m_integers.end() &&
                       elements < width->second * height->second) {
                problem(value, has + "; width x height = " + std::to_string(width->second) + " x " +
                                   std::to_string(height->second) + " = " +
                                   std::to_string(width->second * height->second));
            }
        }
    }

    const Call& m_call;
    SourceLocation m_at;
    const LaunchLowering& m_lowering;
    LaunchDesc m_desc;
    std::vector<int> m_inputs;
    std::vector<const Expression*> m_bound;
    std::map<std::string, std::int64_t> m_integers; // integer arguments by parameter name
    std::vector<Problem> m_problems;
};

} // namespace

std::optional<LoweredLaunch> lowerLaunch(const Call& call, SourceLocation at, const LaunchLowering& lowering,
                                         std::vector<Diagnostic>& diagnostics)
{
    return LaunchLowerer(call, at, lowering).run(diagnostics);
}

} // namespace wb::pipeline
