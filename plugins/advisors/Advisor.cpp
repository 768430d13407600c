#include "Advisor.h"

#include "hub/sdk/Json.h"
#include "hub/sdk/services/IClock.h"

namespace hub::plugins::advisors {
namespace {

Poco::Dynamic::Var optionalNumber(const std::optional<double>& v) {
    return v ? Poco::Dynamic::Var(*v) : Poco::Dynamic::Var();
}

}  // namespace

Poco::JSON::Object::Ptr Advisor::toJson() const {
    auto o = sdk::json::object();
    o->set("name", name);
    o->set("description", description ? Poco::Dynamic::Var(*description) : Poco::Dynamic::Var());
    o->set("model", model);
    o->set("temperature", temperature);
    o->set("max_tokens", maxTokens);
    o->set("stream", stream);
    Poco::Dynamic::Var messages = sdk::json::array();
    try {
        messages = sdk::json::parseStrict(messagesJson);
    } catch (const std::exception&) {
        // Only rows written outside Hub could hold bad JSON; an empty list keeps the route up.
    }
    o->set("messages", messages);
    o->set("gateway", gateway);
    if (tools) {
        auto list = sdk::json::array();
        for (const auto& t : *tools) list->add(t);
        o->set("tools", list);
    } else {
        o->set("tools", Poco::Dynamic::Var());
    }
    o->set("top_p", optionalNumber(topP));
    o->set("frequency_penalty", optionalNumber(frequencyPenalty));
    o->set("presence_penalty", optionalNumber(presencePenalty));
    o->set("id", id);
    o->set("created_at", sdk::IClock::formatIso(createdAt));
    o->set("updated_at", sdk::IClock::formatIso(updatedAt));
    return o;
}

}  // namespace hub::plugins::advisors
