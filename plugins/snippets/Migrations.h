// Schema of the snippets feature: the PRD's `snippets` table.
#pragma once

#include <vector>

#include "hub/sdk/Migration.h"

namespace hub::plugins::snippets {

std::vector<sdk::Migration> snippetsMigrations();

}  // namespace hub::plugins::snippets
