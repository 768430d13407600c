// Schema of the files feature: the PRD's user_files and file_shares.
#pragma once

#include <vector>

#include "hub/sdk/Migration.h"

namespace hub::plugins::files {

std::vector<sdk::Migration> filesMigrations();

}  // namespace hub::plugins::files
