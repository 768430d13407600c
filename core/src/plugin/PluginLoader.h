// Opens a plugin library and checks its descriptor before any plugin function is called:
// descriptor present, struct size, ABI major equal, ABI minor not newer, build signature equal.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <boost/dll/shared_library.hpp>

#include "hub/sdk/PluginDescriptor.h"

namespace hub::core {

/// A library refused by the loader; what() is the operator-facing sentence naming the file.
class PluginLoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LoadedLibrary {
    std::string path;
    std::shared_ptr<boost::dll::shared_library> library;
    const HubPluginDescriptor* descriptor = nullptr;
};

class PluginLoader {
public:
    /// Opens `path` (RTLD_NOW | RTLD_LOCAL) and validates the descriptor.
    /// Throws PluginLoadError with a plain message.
    static LoadedLibrary load(const std::string& path);
    /// The checks alone, on a descriptor already in memory (unit-testable).
    static void checkDescriptor(const HubPluginDescriptor& d, const std::string& path);
};

}  // namespace hub::core
