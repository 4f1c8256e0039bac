#include "request.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace wb::engine {

using json = nlohmann::ordered_json;

std::string_view codeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "InvalidArgument";
    case ErrorCode::ShapeMismatch: return "ShapeMismatch";
    case ErrorCode::DTypeMismatch: return "DTypeMismatch";
    case ErrorCode::OutOfMemory: return "OutOfMemory";
    case ErrorCode::CudaCallFailed: return "CudaCallFailed";
    case ErrorCode::DeviceLost: return "DeviceLost";
    case ErrorCode::Unsupported: return "Unsupported";
    case ErrorCode::Unavailable: return "Unavailable";
    case ErrorCode::Io: return "Io";
    case ErrorCode::Internal: return "Internal";
    }
    return "Internal";
}

std::string_view codeName(ProtocolError code)
{
    switch (code) {
    case ProtocolError::BadFrame: return "BadFrame";
    case ProtocolError::UnknownRequest: return "UnknownRequest";
    case ProtocolError::NotReady: return "NotReady";
    case ProtocolError::Busy: return "Busy";
    case ProtocolError::ProtocolMismatch: return "ProtocolMismatch";
    }
    return "BadFrame";
}

const std::vector<std::string>& requestTypes()
{
    static const std::vector<std::string> types{"hello", "check",   "run",      "cancel",
                                                "fetch", "compile", "shutdown", "telemetry"};
    return types;
}

namespace {

// A field that cannot be used; becomes InvalidArgument.
struct BadField {
    std::string message;
};

std::string jsonTypeName(const json& value)
{
    if (value.is_number_integer())
        return "an integer";
    if (value.is_number())
        return "a number";
    if (value.is_string())
        return "text";
    if (value.is_boolean())
        return "true or false";
    if (value.is_array())
        return "a list";
    if (value.is_object())
        return "an object";
    return "null";
}

// 50 as "50", 0.5 as "0.5".
std::string plainNumber(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

// The fields of one object: the request, or the options of a run.
class Fields {
public:
    Fields(const json& object, std::string owner)
        : m_object(object)
        , m_owner(std::move(owner))
    {
    }

    const json* find(const char* name) const
    {
        const auto it = m_object.find(name);
        return it == m_object.end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<std::string> text(const char* name, bool required) const
    {
        const json* value = find(name);
        if (!value) {
            if (required)
                throw BadField{m_owner + " needs '" + name + "' (text)"};
            return std::nullopt;
        }
        if (!value->is_string())
            throw wrong(name, "text", *value);
        return value->get<std::string>();
    }

    std::optional<std::int64_t> integer(const char* name, bool required, std::int64_t minimum,
                                        std::int64_t maximum = std::numeric_limits<std::int64_t>::max()) const
    {
        const json* value = find(name);
        const std::string range = rangeText(minimum, maximum);
        if (!value) {
            if (required)
                throw BadField{m_owner + " needs '" + name + "' (an integer" + range + ")"};
            return std::nullopt;
        }
        std::optional<std::int64_t> number;
        if (value->is_number_unsigned()) {
            const auto unsignedValue = value->get<std::uint64_t>();
            if (unsignedValue <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                number = static_cast<std::int64_t>(unsignedValue);
        } else if (value->is_number_integer()) {
            number = value->get<std::int64_t>();
        } else {
            throw wrong(name, "an integer" + range, *value);
        }
        if (!number || *number < minimum || *number > maximum)
            throw BadField{"'" + std::string(name) + "' of " + m_owner + " must be an integer" + range + ", not " +
                           value->dump()};
        return number;
    }

    std::optional<double> number(const char* name, bool required, double minimum, double maximum) const
    {
        const json* value = find(name);
        const std::string range = " from " + plainNumber(minimum) + " to " + plainNumber(maximum);
        if (!value) {
            if (required)
                throw BadField{m_owner + " needs '" + name + "' (a number" + range + ")"};
            return std::nullopt;
        }
        if (!value->is_number())
            throw wrong(name, "a number" + range, *value);
        const double number = value->get<double>();
        if (!(number >= minimum && number <= maximum))
            throw BadField{"'" + std::string(name) + "' of " + m_owner + " must be a number" + range + ", not " +
                           value->dump()};
        return number;
    }

    std::optional<bool> boolean(const char* name) const
    {
        const json* value = find(name);
        if (!value)
            return std::nullopt;
        if (!value->is_boolean())
            throw wrong(name, "true or false", *value);
        return value->get<bool>();
    }

    const std::string& owner() const { return m_owner; }

private:
    static std::string rangeText(std::int64_t minimum, std::int64_t maximum)
    {
        if (maximum == std::numeric_limits<std::int64_t>::max())
            return minimum == std::numeric_limits<std::int64_t>::min() ? "" : " >= " + std::to_string(minimum);
        return " from " + std::to_string(minimum) + " to " + std::to_string(maximum);
    }

    BadField wrong(const char* name, const std::string& expected, const json& value) const
    {
        return {"'" + std::string(name) + "' of " + m_owner + " must be " + expected + ", not " + jsonTypeName(value)};
    }

    const json& m_object;
    std::string m_owner;
};

CheckRequest source(const Fields& fields)
{
    CheckRequest request;
    request.pipeline = *fields.text("pipeline", true);
    request.file = fields.text("file", false).value_or(request.file);
    request.directory = fields.text("directory", false).value_or(request.directory);
    return request;
}

CompileRequest compileRequest(const Fields& fields)
{
    CompileRequest request;
    KernelCompileRequest& kernel = request.kernel;
    kernel.source = *fields.text("source", true);
    kernel.file = fields.text("file", false).value_or(kernel.file);
    kernel.directory = fields.text("directory", false).value_or(kernel.directory);
    kernel.arch = fields.text("arch", false).value_or(kernel.arch);
    if (const json* options = fields.find("options")) {
        if (!options->is_array())
            throw BadField{"'options' of " + fields.owner() + " must be a list of texts, not " +
                           jsonTypeName(*options)};
        for (const json& option : *options) {
            if (!option.is_string())
                throw BadField{"'options' of " + fields.owner() + " must be a list of texts, not a list with " +
                               jsonTypeName(option)};
            kernel.options.push_back(option.get<std::string>());
        }
    }
    request.ptx = fields.boolean("ptx").value_or(false);
    kernel.sass = fields.boolean("sass").value_or(false);
    return request;
}

RunOverrides runOverrides(const Fields& request)
{
    RunOverrides overrides;
    const json* options = request.find("options");
    if (!options)
        return overrides;
    if (!options->is_object())
        throw BadField{"'options' of " + request.owner() + " must be an object, not " + jsonTypeName(*options)};
    const Fields fields(*options, "the run's options");
    if (const json* backends = fields.find("backends")) {
        if (!backends->is_array() || backends->empty())
            throw BadField{"'backends' of the run's options must be a list of \"cpu\" and \"gpu\""};
        std::vector<std::string> names;
        for (const json& backend : *backends) {
            if (!backend.is_string() || (backend != "cpu" && backend != "gpu"))
                throw BadField{"unknown backend " + backend.dump(-1, ' ', false, json::error_handler_t::replace) +
                               " in the run's options (expected \"cpu\" or \"gpu\")"};
            if (std::find(names.begin(), names.end(), backend.get<std::string>()) != names.end())
                throw BadField{"backend \"" + backend.get<std::string>() + "\" is listed twice in the run's options"};
            names.push_back(backend.get<std::string>());
        }
        overrides.backends = names;
    }
    auto small = [](std::optional<std::int64_t> value) {
        return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
    };
    overrides.repeat = small(fields.integer("repeat", false, 1, 100000));
    overrides.warmup = small(fields.integer("warmup", false, 0, 100000));
    overrides.threads = small(fields.integer("threads", false, 0, 4096));
    if (const auto seed = fields.integer("seed", false, 0))
        overrides.seed = static_cast<std::uint64_t>(*seed);
    overrides.fuse = fields.boolean("fuse");
    overrides.graph = fields.boolean("graph");
    return overrides;
}

RequestBody body(const std::string& type, const Fields& fields)
{
    if (type == "hello")
        return HelloRequest{*fields.integer("protocol", true, 0), fields.text("client", false).value_or("")};
    if (type == "check")
        return source(fields);
    if (type == "run")
        return RunRequest{source(fields), runOverrides(fields)};
    if (type == "cancel")
        return CancelRequest{*fields.integer("run", true, std::numeric_limits<std::int64_t>::min())};
    if (type == "fetch") {
        FetchRequest request;
        request.run = *fields.integer("run", true, std::numeric_limits<std::int64_t>::min());
        request.step = *fields.text("step", true);
        request.backend = fields.text("backend", false);
        request.maxElements = fields.integer("max_elements", false, 1).value_or(kDefaultFetchElements);
        return request;
    }
    if (type == "telemetry")
        return TelemetryRequest{*fields.number("rate_hz", true, 0, 50)};
    if (type == "compile")
        return compileRequest(fields);
    return ShutdownRequest{};
}

std::string typeList()
{
    std::string list;
    for (const std::string& type : requestTypes())
        list += (list.empty() ? "" : ", ") + type;
    return list;
}

} // namespace

std::variant<Request, RequestFailure> parseRequest(std::string_view payload)
{
    const std::string badFrame(codeName(ProtocolError::BadFrame));
    json document;
    try {
        document = json::parse(payload.begin(), payload.end());
    } catch (const json::exception& error) {
        return RequestFailure{std::nullopt, badFrame, std::string("not valid UTF-8 JSON: ") + error.what()};
    }
    if (!document.is_object())
        return RequestFailure{std::nullopt, badFrame, "a request is a JSON object, not " + jsonTypeName(document)};
    std::optional<std::int64_t> id;
    if (const auto it = document.find("id"); it != document.end()) {
        if (it->is_number_unsigned()) {
            if (it->get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                id = static_cast<std::int64_t>(it->get<std::uint64_t>());
        } else if (it->is_number_integer()) {
            id = it->get<std::int64_t>();
        }
    }
    if (!id)
        return RequestFailure{std::nullopt, badFrame, "a request needs an integer 'id' (a signed 64-bit number)"};
    const auto type = document.find("type");
    if (type == document.end() || !type->is_string())
        return RequestFailure{id, badFrame, "a request needs a 'type' (text: " + typeList() + ")"};
    Request request{*id, type->get<std::string>(), {}};
    const auto& types = requestTypes();
    if (std::find(types.begin(), types.end(), request.type) == types.end())
        return RequestFailure{id, std::string(codeName(ProtocolError::UnknownRequest)),
                              "unknown request type " + type->dump(-1, ' ', false, json::error_handler_t::replace) +
                                  " (this engine knows " + typeList() + ")"};
    try {
        request.body = body(request.type, Fields(document, "'" + request.type + "'"));
    } catch (const BadField& bad) {
        return RequestFailure{id, std::string(codeName(ErrorCode::InvalidArgument)), bad.message};
    }
    return request;
}

} // namespace wb::engine
