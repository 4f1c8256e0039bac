#include "arguments.h"
#include "commands.h"

#include <wb/op_registry.h>

#include <nlohmann/json.hpp>

#include <iostream>

namespace wb::cli {

namespace {

nlohmann::json paramJson(const pipeline::ParamInfo& param)
{
    nlohmann::json json = {
        {"name", param.name}, {"type", pipeline::name(param.type)}, {"required", param.required}, {"doc", param.doc}};
    if (!param.required)
        json["default"] = param.defaultText;
    if (!param.choices.empty())
        json["choices"] = param.choices;
    if (param.minimum)
        json["minimum"] = *param.minimum;
    if (param.maximum)
        json["maximum"] = *param.maximum;
    return json;
}

nlohmann::json opsJson()
{
    nlohmann::json list = nlohmann::json::array();
    for (const pipeline::OpInfo& op : pipeline::ops()) {
        nlohmann::json params = nlohmann::json::array();
        for (const pipeline::ParamInfo& param : op.params)
            params.push_back(paramJson(param));
        list.push_back({{"name", op.name},
                        {"category", op.category},
                        {"signature", pipeline::signature(op)},
                        {"doc", op.doc},
                        {"returns", op.returns},
                        {"sink", op.isSink()},
                        {"variadic", op.variadic},
                        {"params", params}});
    }
    return list;
}

} // namespace

int runOps(const std::vector<std::string>& words)
{
    const Arguments args("ops", words, {}, {"--json"});
    if (args.has("--json")) {
        std::cout << opsJson().dump(2) << '\n';
        return kExitOk;
    }
    std::string category;
    for (const pipeline::OpInfo& op : pipeline::ops()) {
        if (op.category != category) {
            category = op.category;
            std::cout << (&op == &pipeline::ops().front() ? "" : "\n") << category << '\n';
        }
        std::cout << "  " << pipeline::signature(op) << "\n      " << op.doc << '\n';
    }
    return kExitOk;
}

} // namespace wb::cli
