// A `hubd` subcommand provided by a plugin (e.g. `hubd import advisors DIR --user NAME`).
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "hub/sdk/ServiceRegistry.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// What a command gets: its positional arguments (after the command words), the common
/// options hubd parsed (`user`, `email`, `role`, `format`), the started services, and
/// where to print.
struct CommandContext {
    std::vector<std::string> args;
    std::map<std::string, std::string> options;
    const ServiceRegistry& services;
    std::ostream& out;
    std::ostream& err;
};

/**
 * `name` is one or two words ("import advisors"); hubd runs it after starting every plugin
 * (so services are available) and exits with `run`'s return value (0 = success).
 */
struct CommandSpec {
    std::string name;
    std::string usage;        ///< e.g. "DIR --user NAME"
    std::string description;
    std::function<int(CommandContext&)> run;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
