// Schema of the chat feature: the PRD's conversations, messages and tool_calls.
#pragma once

#include <vector>

#include "hub/sdk/Migration.h"

namespace hub::plugins::chat {

std::vector<sdk::Migration> chatMigrations();

}  // namespace hub::plugins::chat
