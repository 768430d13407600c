// AdvisorCreate (contract §4.1), the body of POST and PUT and the shape legacy files are
// converted to before import, so both paths enforce the same rules.
#pragma once

#include <string>

#include <Poco/JSON/Object.h>

#include "Advisor.h"

namespace hub::plugins::advisors {

/// Longest advisor name in bytes.
constexpr std::size_t kMaxNameBytes = 200;

/**
 * Validates `body` and returns the advisor it describes (no id, owner or timestamps).
 * Omitted optional fields take their defaults (temperature 1.0, max_tokens 1000, stream
 * true, gateway `defaultGateway`, description/tools/top_p/penalties null), which is what
 * makes PUT a full replace. Every bad field is reported at once: throws sdk::ValidationError
 * (422) with the pydantic-2 list in `detail`.
 */
Advisor parseAdvisorBody(const Poco::JSON::Object::Ptr& body, const std::string& defaultGateway);

}  // namespace hub::plugins::advisors
