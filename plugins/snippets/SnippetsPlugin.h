// The snippets feature: per-user markdown notes with HubGPT's routes (contract §4.5), plus the
// update route and the export HubGPT's router made unreachable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "MarkdownRenderer.h"
#include "SnippetInput.h"
#include "SnippetStore.h"
#include "hub/sdk/Sdk.h"

namespace hub::plugins::snippets {

class SnippetsPlugin : public sdk::Plugin {
public:
    void declareConfig(sdk::ConfigSchema& schema) const override;
    void registerComponents(sdk::Registrar& registrar, const sdk::ConfigView& config) override;
    void start(sdk::PluginContext& context) override;
    void stop() noexcept override;

private:
    class Writer;

    // Handlers.
    void list(sdk::RequestContext& ctx);
    void create(sdk::RequestContext& ctx);
    void exportAll(sdk::RequestContext& ctx);
    void get(sdk::RequestContext& ctx);
    void update(sdk::RequestContext& ctx);
    void remove(sdk::RequestContext& ctx);

    /// The caller's snippets after the list query filters (`source_type`, `source_name`,
    /// `tags`, `q`).
    std::vector<Snippet> filtered(sdk::RequestContext& ctx) const;
    /// POST /api/v1/snippets and snippets.writer.v1: validates `body` (a create body), derives
    /// title, tags and HTML, stores the snippet for `ownerId` and publishes snippet.created.
    Snippet createFrom(const Poco::JSON::Object::Ptr& body, const std::string& ownerId);
    /// Fills the fields derived from the content: title, merged tags, content_html.
    Snippet fromInput(const SnippetInput& in, const std::string& ownerId) const;
    /// The stored HTML, rendering (and saving) it for rows that have none.
    std::string htmlOf(Snippet& s) const;
    Poco::JSON::Object::Ptr toJson(const Snippet& s) const;

    InputLimits limits_;
    std::unique_ptr<MarkdownRenderer> renderer_;
    std::unique_ptr<SnippetStore> store_;
};

}  // namespace hub::plugins::snippets
