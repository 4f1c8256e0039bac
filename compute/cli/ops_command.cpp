#include "arguments.h"
#include "commands.h"

#include "engine/ops_json.h"

#include <wb/op_registry.h>

#include <iostream>

namespace wb::cli {

int runOps(const std::vector<std::string>& words)
{
    const Arguments args("ops", words, {}, {"--json"});
    if (args.has("--json")) {
        std::cout << engine::opsJson().dump(2) << '\n';
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
