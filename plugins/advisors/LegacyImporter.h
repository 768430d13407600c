// `hubd import advisors DIR --user NAME`: HubGPT's advisor files (contract §8, migration 004
// of §6.3) into one user's advisors.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include <Poco/JSON/Object.h>

#include "AdvisorStore.h"

namespace hub::plugins::advisors {

/// How one import run went.
struct ImportSummary {
    int imported = 0;
    int skipped = 0;
};

/**
 * Reads `<Name>.json` and `<Name>.md` files directly in a directory (not its `chats/` or
 * `archive/` folders, which hold conversations) in byte order of their names; other files
 * are ignored. Each file becomes an AdvisorCreate body and goes through the same validation
 * as POST /api/v1/advisors, so an imported advisor is one the API could have created.
 * Names already taken by the user are skipped, which makes a re-run a no-op.
 */
class LegacyImporter {
public:
    LegacyImporter(AdvisorStore& store, std::string defaultGateway);

    /// Imports for `userId`, printing `imported NAME` or `skipped FILE: reason` per file.
    ImportSummary run(const std::filesystem::path& dir, const std::string& userId, std::ostream& out);

    /// The AdvisorCreate body of a legacy `.json` advisor; throws std::runtime_error with
    /// the reason to skip it.
    static Poco::JSON::Object::Ptr bodyFromJson(const std::string& stem, const std::string& text);
    /// The AdvisorCreate body of a legacy `.md` advisor (YAML front matter + prompt).
    static Poco::JSON::Object::Ptr bodyFromMarkdown(const std::string& stem, const std::string& text);

private:
    AdvisorStore& store_;
    std::string defaultGateway_;
};

}  // namespace hub::plugins::advisors
