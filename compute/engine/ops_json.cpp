#include "ops_json.h"

#include <wb/op_registry.h>

namespace wb::engine {

namespace {

nlohmann::ordered_json paramJson(const pipeline::ParamInfo& param)
{
    nlohmann::ordered_json json = {
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

} // namespace

nlohmann::ordered_json opsJson()
{
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const pipeline::OpInfo& op : pipeline::ops()) {
        nlohmann::ordered_json params = nlohmann::ordered_json::array();
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

} // namespace wb::engine
