// Builds a descriptor by hand so a test plugin can lie about its ABI or signature.
#pragma once

#include "hub/sdk/Sdk.h"

namespace hub::tests {

class NullPlugin : public sdk::Plugin {
public:
    void registerComponents(sdk::Registrar&, const sdk::ConfigView&) override {}
};

}  // namespace hub::tests

#define HUB_TEST_DESCRIPTOR(Name, Major, Minor, Signature)                                        \
    extern "C" HUB_SDK_API const HubPluginDescriptor* hub_plugin_get_descriptor() {               \
        static const HubPluginDescriptor d = {                                                    \
            sizeof(HubPluginDescriptor), Major, Minor, Signature, Name, "0.0.1", "alpha",        \
            []() -> ::hub::sdk::Plugin* { return new ::hub::tests::NullPlugin(); },               \
            [](::hub::sdk::Plugin* p) { delete p; },                                              \
            {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}};            \
        return &d;                                                                                \
    }
