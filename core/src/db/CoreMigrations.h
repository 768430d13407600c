// Schema of the core's own tables: users and auth_sessions (the PRD's names).
#pragma once

#include <vector>

#include "hub/sdk/Migration.h"

namespace hub::core {

std::vector<sdk::Migration> coreMigrations();

}  // namespace hub::core
