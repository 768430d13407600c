// The snippets feature's data: rows of `snippets`, always scoped to their owner, and the
// snippet.* events published after each committed change.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/sdk/services/IActivity.h"
#include "hub/sdk/services/IClock.h"
#include "hub/sdk/services/IDatabase.h"
#include "hub/sdk/services/IEventBus.h"

namespace hub::plugins::snippets {

struct Snippet {
    std::string id;
    std::string userId;
    std::string sourceType;
    std::string sourceName;
    std::string content;
    std::string contentHtml;
    std::optional<std::string> title;
    std::vector<std::string> tags;
    std::string metadataJson = "{}";  ///< a JSON object as text
    int64_t createdAt = 0;
    int64_t updatedAt = 0;
};

/// Thread-safe (the database service is).
class SnippetStore {
public:
    /// `activity` may be null (a hubd without core.activity.v1): changes are then not recorded.
    SnippetStore(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::IClock> clock,
                 std::shared_ptr<sdk::IEventBus> events, std::shared_ptr<sdk::IActivity> activity = nullptr);

    /// The owner's snippets, oldest first; exact `source_type`/`source_name` filters when set.
    std::vector<Snippet> list(const std::string& ownerId, const std::optional<std::string>& sourceType,
                              const std::optional<std::string>& sourceName) const;
    /// The owner's snippet `id`; nullopt when absent, owned by someone else or not a UUID.
    std::optional<Snippet> get(const std::string& ownerId, const std::string& id) const;

    /// Stores a new snippet (id and timestamps are assigned here) and returns it as stored.
    Snippet create(Snippet s);
    /// Replaces the user-given and derived fields of the owner's snippet `s.id`, bumping
    /// updated_at; nullopt when the owner has no such snippet.
    std::optional<Snippet> update(Snippet s);
    /// Saves content_html of a snippet that had none (legacy rows), without touching updated_at.
    void saveHtml(const Snippet& s);
    /// Deletes the owner's snippet; false when there was none.
    bool remove(const std::string& ownerId, const std::string& id);

private:
    void publish(const std::string& topic, const Snippet& s) const;
    /// Records `action` on `s` (by its owner) in the caller's transaction, when activity is there.
    void record(Poco::Data::Session& session, const std::string& action, const Snippet& s) const;

    std::shared_ptr<sdk::IDatabase> db_;
    std::shared_ptr<sdk::IClock> clock_;
    std::shared_ptr<sdk::IEventBus> events_;
    std::shared_ptr<sdk::IActivity> activity_;
};

}  // namespace hub::plugins::snippets
