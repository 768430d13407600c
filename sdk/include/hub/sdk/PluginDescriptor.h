// The frozen C descriptor every plugin exports, read by the host before any plugin code runs.
#pragma once

#include <cstdint>

#include "hub/sdk/Export.h"
#include "hub/sdk/Version.h"

namespace hub {
namespace sdk {
inline namespace v1 {
class Plugin;
}
}  // namespace sdk
}  // namespace hub

extern "C" {

/**
 * Plain-old-data descriptor. Its layout is frozen for the whole ABI major: new fields are
 * taken from `reserved` or appended (the host checks `struct_size`).
 * All strings are static and owned by the plugin library.
 */
struct HubPluginDescriptor {
    uint32_t struct_size;          ///< sizeof(HubPluginDescriptor) as the plugin saw it
    uint32_t abi_major;            ///< HUB_SDK_ABI_MAJOR the plugin was built with
    uint32_t abi_minor;            ///< HUB_SDK_ABI_MINOR the plugin was built with
    const char* build_signature;   ///< HUB_SDK_BUILD_SIGNATURE the plugin was built with
    const char* name;              ///< unique plugin name, [a-z][a-z0-9_]*
    const char* version;           ///< the plugin's own SemVer
    const char* status;            ///< "stable" or "alpha"
    hub::sdk::Plugin* (*create)();             ///< makes the plugin instance
    void (*destroy)(hub::sdk::Plugin*);        ///< destroys what create() made
    void* reserved[8];
};

/// Name of the one C symbol a plugin exports.
#define HUB_PLUGIN_DESCRIPTOR_SYMBOL "hub_plugin_get_descriptor"
typedef const HubPluginDescriptor* (*HubPluginGetDescriptorFn)();
}

/**
 * Declares a plugin: `HUB_PLUGIN(FilesPlugin, "files", "1.0.0")` in exactly one .cpp file.
 * Defines the exported C entry point returning the descriptor.
 */
#define HUB_PLUGIN_WITH_STATUS(Class, Name, Version, Status)                                   \
    extern "C" HUB_SDK_API const HubPluginDescriptor* hub_plugin_get_descriptor() {            \
        static const HubPluginDescriptor descriptor = {                                        \
            sizeof(HubPluginDescriptor),                                                       \
            HUB_SDK_ABI_MAJOR,                                                                 \
            HUB_SDK_ABI_MINOR,                                                                 \
            HUB_SDK_BUILD_SIGNATURE,                                                           \
            Name,                                                                              \
            Version,                                                                           \
            Status,                                                                            \
            []() -> ::hub::sdk::Plugin* { return new Class(); },                              \
            [](::hub::sdk::Plugin* p) { delete p; },                                           \
            {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}};         \
        return &descriptor;                                                                    \
    }

#define HUB_PLUGIN(Class, Name, Version) HUB_PLUGIN_WITH_STATUS(Class, Name, Version, "stable")
