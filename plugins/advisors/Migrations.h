// Schema of the advisors feature: the PRD's `advisors` table, owned by a user.
#pragma once

#include <vector>

#include "hub/sdk/Migration.h"

namespace hub::plugins::advisors {

std::vector<sdk::Migration> advisorsMigrations();

}  // namespace hub::plugins::advisors
