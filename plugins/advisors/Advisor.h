// One advisor as stored in the `advisors` table, and its HubGPT Advisor object (§4.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

namespace hub::plugins::advisors {

/// The AdvisorCreate fields plus the owner, id and timestamps. `messagesJson` is the stored
/// JSON text of the messages array (written by toPythonJson, so it reads back unchanged).
struct Advisor {
    std::string id;
    std::string userId;
    std::string name;
    std::optional<std::string> description;
    std::string model;
    double temperature = 1.0;
    int64_t maxTokens = 1000;
    bool stream = true;
    std::string messagesJson = "[]";
    std::string gateway;
    std::optional<std::vector<std::string>> tools;  ///< nullopt = JSON null
    std::optional<double> topP;
    std::optional<double> frequencyPenalty;
    std::optional<double> presencePenalty;
    int64_t createdAt = 0;  ///< microseconds since the epoch (UTC)
    int64_t updatedAt = 0;

    /// The Advisor object with contract §4.1's keys in its order: name, description, model,
    /// temperature, max_tokens, stream, messages, gateway, tools, top_p, frequency_penalty,
    /// presence_penalty, id, created_at, updated_at (whole-second naive ISO).
    Poco::JSON::Object::Ptr toJson() const;
};

}  // namespace hub::plugins::advisors
