// Visibility macro for every type and function that crosses the plugin boundary.
// Plugins are built with -fvisibility=hidden; SDK types keep default visibility so
// their typeinfo (used by dynamic_cast and catch) is unique across libraries.
#pragma once

#define HUB_SDK_API __attribute__((visibility("default")))
