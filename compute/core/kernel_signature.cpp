#include <wb/error.h>
#include <wb/kernel_signature.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace wb {

namespace {

bool identifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The source with comments, string and character literals blanked (newlines kept), so that
// positions stay those of the user's file and nothing inside them is read as code.
std::string codeOnly(std::string_view source)
{
    std::string code(source);
    std::size_t i = 0;
    auto blank = [&](std::size_t from, std::size_t to) {
        for (std::size_t k = from; k < to && k < code.size(); ++k)
            if (code[k] != '\n')
                code[k] = ' ';
    };
    while (i < code.size()) {
        if (code.compare(i, 2, "//") == 0) {
            const std::size_t end = code.find('\n', i);
            blank(i, end);
            i = end == std::string::npos ? code.size() : end;
        } else if (code.compare(i, 2, "/*") == 0) {
            const std::size_t end = code.find("*/", i + 2);
            const std::size_t stop = end == std::string::npos ? code.size() : end + 2;
            blank(i, stop);
            i = stop;
        } else if (code[i] == '"' || code[i] == '\'') {
            const char quote = code[i];
            std::size_t k = i + 1;
            while (k < code.size() && code[k] != quote && code[k] != '\n')
                k += code[k] == '\\' ? 2 : 1;
            blank(i + 1, k); // the quotes stay, so `extern "C"` keeps its shape
            i = k + 1;
        } else {
            ++i;
        }
    }
    return code;
}

std::size_t skipSpace(const std::string& code, std::size_t i)
{
    while (i < code.size() && std::isspace(static_cast<unsigned char>(code[i])))
        ++i;
    return i;
}

// From an opening bracket at `open`, the index just past its matching close.
std::size_t pastMatching(const std::string& code, std::size_t open, char opening, char closing)
{
    int depth = 0;
    for (std::size_t i = open; i < code.size(); ++i) {
        if (code[i] == opening)
            ++depth;
        else if (code[i] == closing && --depth == 0)
            return i + 1;
    }
    return std::string::npos;
}

struct Found {
    std::string name;
    std::size_t nameAt = 0;
    std::size_t listOpen = 0; // the '(' of the parameter list
    bool templated = false;
};

// Every `__global__` function: the identifier just before the first '(' that follows the
// keyword, `__launch_bounds__(...)` skipped.
std::vector<Found> findKernels(const std::string& code)
{
    std::vector<Found> kernels;
    const std::string_view keyword = "__global__";
    for (std::size_t at = code.find(keyword); at != std::string::npos; at = code.find(keyword, at + 1)) {
        const bool whole = (at == 0 || !identifierChar(code[at - 1])) &&
                           (at + keyword.size() >= code.size() || !identifierChar(code[at + keyword.size()]));
        if (!whole)
            continue;
        std::size_t i = at + keyword.size();
        std::size_t lastIdentifier = std::string::npos, lastLength = 0;
        while (i < code.size() && code[i] != '(' && code[i] != ';' && code[i] != '{') {
            if (identifierChar(code[i])) {
                std::size_t end = i;
                while (end < code.size() && identifierChar(code[end]))
                    ++end;
                if (code.compare(i, end - i, "__launch_bounds__") == 0) {
                    const std::size_t open = skipSpace(code, end);
                    i = open < code.size() && code[open] == '(' ? pastMatching(code, open, '(', ')') : end;
                    if (i == std::string::npos)
                        break;
                    continue;
                }
                lastIdentifier = i;
                lastLength = end - i;
                i = end;
            } else {
                ++i;
            }
        }
        if (i >= code.size() || code[i] != '(' || lastIdentifier == std::string::npos)
            continue;
        Found found{code.substr(lastIdentifier, lastLength), lastIdentifier, i, false};
        // A template head ends just before the declaration: `template <...>` then `__global__`.
        std::size_t back = at;
        while (back > 0 && std::isspace(static_cast<unsigned char>(code[back - 1])))
            --back;
        if (back > 0 && code[back - 1] == '>') {
            const std::size_t head = code.rfind("template", back);
            found.templated = head != std::string::npos && code.find(';', head) > back;
        }
        kernels.push_back(std::move(found));
    }
    return kernels;
}

// The parameters between the list's parentheses, split at top-level commas.
std::vector<std::string> splitParameters(const std::string& list)
{
    std::vector<std::string> parts;
    std::string current;
    int depth = 0;
    for (const char c : list) {
        if (c == '(' || c == '<' || c == '[' || c == '{')
            ++depth;
        else if (c == ')' || c == '>' || c == ']' || c == '}')
            --depth;
        if (c == ',' && depth == 0) {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    return parts;
}

struct ScalarType {
    KernelParamKind kind;
    std::size_t bytes;
    std::optional<DType> dtype;
};

// Base types by their words (qualifiers and '*' removed, words joined by single spaces).
const std::map<std::string, ScalarType>& knownTypes()
{
    using K = KernelParamKind;
    static const std::map<std::string, ScalarType> types = {
        {"float", {K::Real, 4, DType::F32}},
        {"double", {K::Real, 8, DType::F64}},
        {"__half", {K::Other, 2, DType::F16}},
        {"half", {K::Other, 2, DType::F16}},
        {"__nv_bfloat16", {K::Other, 2, DType::BF16}},
        {"nv_bfloat16", {K::Other, 2, DType::BF16}},
        {"float2", {K::Other, 8, DType::C64}},
        {"cuFloatComplex", {K::Other, 8, DType::C64}},
        {"cuComplex", {K::Other, 8, DType::C64}},
        {"double2", {K::Other, 16, DType::C128}},
        {"cuDoubleComplex", {K::Other, 16, DType::C128}},
        {"int", {K::Integer, 4, DType::I32}},
        {"signed", {K::Integer, 4, DType::I32}},
        {"signed int", {K::Integer, 4, DType::I32}},
        {"int32_t", {K::Integer, 4, DType::I32}},
        {"unsigned", {K::Integer, 4, std::nullopt}},
        {"unsigned int", {K::Integer, 4, std::nullopt}},
        {"uint32_t", {K::Integer, 4, std::nullopt}},
        {"unsigned char", {K::Integer, 1, DType::U8}},
        {"uint8_t", {K::Integer, 1, DType::U8}},
        {"unsigned short", {K::Integer, 2, DType::U16}},
        {"uint16_t", {K::Integer, 2, DType::U16}},
        {"char", {K::Integer, 1, std::nullopt}},
        {"signed char", {K::Integer, 1, std::nullopt}},
        {"int8_t", {K::Integer, 1, std::nullopt}},
        {"short", {K::Integer, 2, std::nullopt}},
        {"int16_t", {K::Integer, 2, std::nullopt}},
        {"bool", {K::Integer, 1, std::nullopt}},
        {"long", {K::Integer, 8, std::nullopt}},
        {"long int", {K::Integer, 8, std::nullopt}},
        {"unsigned long", {K::Integer, 8, std::nullopt}},
        {"long long", {K::Integer, 8, std::nullopt}},
        {"long long int", {K::Integer, 8, std::nullopt}},
        {"unsigned long long", {K::Integer, 8, std::nullopt}},
        {"int64_t", {K::Integer, 8, std::nullopt}},
        {"uint64_t", {K::Integer, 8, std::nullopt}},
        {"size_t", {K::Integer, 8, std::nullopt}},
        {"ptrdiff_t", {K::Integer, 8, std::nullopt}},
    };
    return types;
}

// Words that qualify a type without naming it; `std` so that `std::size_t` reads as size_t.
bool qualifier(const std::string& word)
{
    return word == "const" || word == "volatile" || word == "__restrict__" || word == "__restrict" ||
           word == "restrict" || word == "struct" || word == "std" || word == "__grid_constant__";
}

KernelParam readParameter(std::string text, const std::string& kernel, std::size_t index)
{
    if (const std::size_t equals = text.find('='); equals != std::string::npos)
        text.resize(equals); // a default argument
    std::vector<std::string> words;
    int stars = 0;
    bool constBeforeStar = false, anyReference = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (identifierChar(c)) {
            std::size_t end = i;
            while (end < text.size() && identifierChar(text[end]))
                ++end;
            words.push_back(text.substr(i, end - i));
            if (words.back() == "const" && stars == 0)
                constBeforeStar = true;
            i = end;
        } else {
            stars += c == '*' ? 1 : 0;
            anyReference = anyReference || c == '&';
            ++i;
        }
    }
    if (words.empty())
        fail(ErrorCode::InvalidArgument,
             "kernel '" + kernel + "': parameter " + std::to_string(index + 1) + " has no type");
    KernelParam param;
    // The last word names the parameter when another word (its type) comes before it.
    std::vector<std::string> typeWords;
    for (const std::string& word : words)
        if (!qualifier(word))
            typeWords.push_back(word);
    const auto& types = knownTypes();
    if (typeWords.size() >= 2) {
        std::string all;
        for (const std::string& word : typeWords)
            all += (all.empty() ? "" : " ") + word;
        if (!types.contains(all)) { // "unsigned int" is a type, "int n" a named int
            param.name = typeWords.back();
            typeWords.pop_back();
        }
    }
    std::string base;
    for (const std::string& word : typeWords)
        base += (base.empty() ? "" : " ") + word;
    param.pointeeConst = stars > 0 && constBeforeStar;
    param.type = (param.pointeeConst ? "const " : "") + base + std::string(static_cast<std::size_t>(stars), '*') +
                 (anyReference ? "&" : "");
    const auto known = types.find(base);
    if (stars > 0) {
        param.kind = KernelParamKind::Pointer;
        if (known != types.end())
            param.dtype = known->second.dtype;
    } else if (known != types.end() && !anyReference) {
        param.kind = known->second.kind;
        param.dtype = known->second.dtype;
        param.scalarBytes = known->second.kind == KernelParamKind::Other ? 0 : known->second.bytes;
    }
    return param;
}

std::pair<int, int> lineAndColumn(const std::string& code, std::size_t at)
{
    int line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < code.size(); ++i) {
        if (code[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

} // namespace

std::vector<std::string> kernelNames(std::string_view source)
{
    std::vector<std::string> names;
    for (const Found& found : findKernels(codeOnly(source)))
        names.push_back(found.name);
    return names;
}

KernelSignature parseKernelSignature(std::string_view source, std::string_view name)
{
    const std::string code = codeOnly(source);
    const std::vector<Found> kernels = findKernels(code);
    const auto found = std::find_if(kernels.begin(), kernels.end(), [&](const Found& k) { return k.name == name; });
    if (found == kernels.end()) {
        std::string known;
        for (const Found& k : kernels)
            known += (known.empty() ? "" : ", ") + k.name;
        fail(ErrorCode::InvalidArgument,
             "no kernel '" + std::string(name) + "' in the source; " +
                 (known.empty() ? std::string("it has no __global__ function") : "its kernels: " + known));
    }
    const std::size_t close = pastMatching(code, found->listOpen, '(', ')');
    if (close == std::string::npos)
        fail(ErrorCode::InvalidArgument, "kernel '" + found->name + "': its parameter list is not closed");
    KernelSignature signature;
    signature.name = found->name;
    std::tie(signature.line, signature.column) = lineAndColumn(code, found->nameAt);
    signature.templated = found->templated;
    const std::string list = code.substr(found->listOpen + 1, close - found->listOpen - 2);
    const std::size_t first = list.find_first_not_of(" \t\r\n");
    const std::size_t last = list.find_last_not_of(" \t\r\n");
    if (first == std::string::npos || list.substr(first, last - first + 1) == "void")
        return signature; // `()` or `(void)`
    const std::vector<std::string> parts = splitParameters(list);
    for (std::size_t i = 0; i < parts.size(); ++i)
        signature.params.push_back(readParameter(parts[i], signature.name, i));
    return signature;
}

} // namespace wb
