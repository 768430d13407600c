// The core's own config keys (everything except `plugins`), declared with the same SDK
// schema builder plugins use, so `--check-config` treats both alike.
#pragma once

#include "hub/sdk/ConfigSchema.h"

namespace hub::core {

void declareCoreSchema(sdk::ConfigSchema& schema);

}  // namespace hub::core
