#include "plugin/PluginLoader.h"

#include <cstddef>
#include <cstring>


namespace hub::core {

void PluginLoader::checkDescriptor(const HubPluginDescriptor& d, const std::string& path) {
    const std::string who = "plugin " + path + ": ";
    if (d.struct_size < offsetof(HubPluginDescriptor, reserved)) {
        throw PluginLoadError(who + "descriptor is too small (" + std::to_string(d.struct_size) +
                              " bytes); not built with the Hub SDK");
    }
    if (d.abi_major != HUB_SDK_ABI_MAJOR) {
        throw PluginLoadError(who + "built for SDK ABI " + std::to_string(d.abi_major) + ", this hubd has ABI " +
                              std::to_string(HUB_SDK_ABI_MAJOR) + "; rebuild the plugin against SDK " +
                              std::to_string(HUB_SDK_ABI_MAJOR) + ".x");
    }
    if (d.abi_minor > HUB_SDK_ABI_MINOR) {
        throw PluginLoadError(who + "built against a newer SDK (" + std::to_string(d.abi_major) + "." +
                              std::to_string(d.abi_minor) + ") than this hubd provides (" +
                              std::to_string(HUB_SDK_ABI_MAJOR) + "." + std::to_string(HUB_SDK_ABI_MINOR) +
                              "); upgrade hubd or rebuild the plugin");
    }
    if (d.build_signature == nullptr || std::strcmp(d.build_signature, HUB_SDK_BUILD_SIGNATURE) != 0) {
        throw PluginLoadError(who + "not binary compatible: plugin build signature \"" +
                              std::string(d.build_signature ? d.build_signature : "(none)") +
                              "\" differs from hubd's \"" HUB_SDK_BUILD_SIGNATURE "\"");
    }
    if (d.name == nullptr || d.name[0] == '\0') {
        throw PluginLoadError(who + "descriptor has no name");
    }
    for (const char* p = d.name; *p; ++p) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok || (p == d.name && !(c >= 'a' && c <= 'z'))) {
            throw PluginLoadError(who + "invalid plugin name '" + std::string(d.name) +
                                  "' (use lowercase letters, digits and '_', starting with a letter)");
        }
    }
    if (d.version == nullptr || d.create == nullptr || d.destroy == nullptr) {
        throw PluginLoadError(who + "descriptor lacks a version or its create/destroy functions");
    }
}

LoadedLibrary PluginLoader::load(const std::string& path) {
    LoadedLibrary out;
    out.path = path;
    try {
        out.library = std::make_shared<boost::dll::shared_library>(
            path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        throw PluginLoadError("plugin " + path + ": cannot be loaded: " + e.what());
    }
    if (!out.library->has(HUB_PLUGIN_DESCRIPTOR_SYMBOL)) {
        throw PluginLoadError("plugin " + path + ": not a Hub plugin (no " HUB_PLUGIN_DESCRIPTOR_SYMBOL
                              " symbol; declare it with HUB_PLUGIN(...))");
    }
    auto getDescriptor = out.library->get<const HubPluginDescriptor*()>(HUB_PLUGIN_DESCRIPTOR_SYMBOL);
    out.descriptor = getDescriptor();
    if (out.descriptor == nullptr) {
        throw PluginLoadError("plugin " + path + ": " HUB_PLUGIN_DESCRIPTOR_SYMBOL " returned no descriptor");
    }
    checkDescriptor(*out.descriptor, path);
    return out;
}

}  // namespace hub::core
