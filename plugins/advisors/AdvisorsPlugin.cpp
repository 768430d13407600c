#include "AdvisorsPlugin.h"

#include <filesystem>

#include "AdvisorInput.h"
#include "LegacyImporter.h"
#include "Migrations.h"
#include "PythonJson.h"

namespace hub::plugins::advisors {
namespace {

/// Advisors carry whole system prompts (legacy ones include long documents inline).
constexpr std::size_t kBodyLimit = 1024 * 1024;

/// Responses go through toPythonJson so floats keep their `.0` (POCO would print `1`).
void respondPython(sdk::RequestContext& ctx, int status, const Poco::Dynamic::Var& body) {
    ctx.respond(status, "application/json", toPythonJson(body));
}

}  // namespace

IAdvisorLookup::~IAdvisorLookup() = default;

void AdvisorsPlugin::declareConfig(sdk::ConfigSchema& schema) const {
    schema.string("default_gateway").defaultValue(std::string("echo"))
        .description("Gateway (LLM provider) of advisors created or imported without one; HubGPT left it "
                     "null, which made every chat with such an advisor fail");
    schema.check([](const sdk::ConfigView& v) {
        std::vector<std::string> errors;
        if (v.getString("default_gateway").empty()) errors.emplace_back("default_gateway: must not be empty");
        return errors;
    });
}

void AdvisorsPlugin::registerComponents(sdk::Registrar& r, const sdk::ConfigView& config) {
    defaultGateway_ = config.getString("default_gateway");
    for (auto& m : advisorsMigrations()) r.migration(std::move(m));
    // Offered now so plugins that start later find it; it gets its database in start().
    r.provide<IAdvisorLookup>(store_);

    using sdk::AuthMode;
    auto bind = [this](void (AdvisorsPlugin::*fn)(sdk::RequestContext&)) {
        return [this, fn](sdk::RequestContext& ctx) { (this->*fn)(ctx); };
    };
    r.route({"GET", "/api/v1/advisors", AuthMode::Required, 0, bind(&AdvisorsPlugin::list)});
    r.route({"POST", "/api/v1/advisors", AuthMode::Required, kBodyLimit, bind(&AdvisorsPlugin::create)});
    r.route({"GET", "/api/v1/advisors/{advisor_id}", AuthMode::Required, 0, bind(&AdvisorsPlugin::get)});
    r.route({"PUT", "/api/v1/advisors/{advisor_id}", AuthMode::Required, kBodyLimit,
             bind(&AdvisorsPlugin::replace)});
    r.route({"DELETE", "/api/v1/advisors/{advisor_id}", AuthMode::Required, 0, bind(&AdvisorsPlugin::remove)});
    // A workspace's advisors belong to its account; members reach them by their role.
    const std::string space = "/api/v1/workspaces/{workspace_id}/advisors";
    r.route({"GET", space, AuthMode::Required, 0, bind(&AdvisorsPlugin::listInWorkspace)});
    r.route({"POST", space, AuthMode::Required, kBodyLimit, bind(&AdvisorsPlugin::createInWorkspace)});
    r.route({"GET", space + "/{advisor_id}", AuthMode::Required, 0, bind(&AdvisorsPlugin::getInWorkspace)});
    r.route({"PUT", space + "/{advisor_id}", AuthMode::Required, kBodyLimit, bind(&AdvisorsPlugin::replaceInWorkspace)});
    r.route({"DELETE", space + "/{advisor_id}", AuthMode::Required, 0, bind(&AdvisorsPlugin::removeInWorkspace)});

    r.command({"import advisors", "DIR --user NAME",
               "Imports HubGPT advisor files (<Name>.json, <Name>.md with YAML front matter) from DIR as NAME's "
               "advisors; names the user already has are skipped",
               [this](sdk::CommandContext& c) { return importCommand(c); }});
}

void AdvisorsPlugin::start(sdk::PluginContext& ctx) {
    access_ = ctx.services().require<sdk::IAccess>();
    auth_ = ctx.services().require<sdk::IAuth>();
    store_->attach(ctx.services().require<sdk::IDatabase>(), ctx.services().require<sdk::IClock>(),
                   ctx.services().require<sdk::IEventBus>(), access_,
                   ctx.services().find<sdk::IActivity>());  // optional: advisors work without it
    std::weak_ptr<AdvisorStore> store = store_;
    access_->addResourceType({"advisor", sdk::access::kAll, [store](const std::string& id) {
                                  std::optional<sdk::AccessResource> out;
                                  if (auto s = store.lock()) {
                                      if (auto a = s->byIdAnyOwner(id)) out = sdk::AccessResource{a->userId, a->name};
                                  }
                                  return out;
                              }});
}

void AdvisorsPlugin::stop() noexcept {
    if (access_) access_->removeResourceType("advisor");
}

std::pair<Advisor, sdk::AccessDecision> AdvisorsPlugin::reachable(sdk::RequestContext& ctx, uint32_t bits) const {
    const std::string& me = ctx.requireAuth().userId;
    // One read of the advisor whoever asks; the owner needs no access check at all.
    auto a = store_->byIdAnyOwner(ctx.pathParam("advisor_id"));
    if (a && a->userId == me) {
        sdk::AccessDecision d;
        d.visible = d.owner = true;
        d.permissions = sdk::access::kAll;
        return {*a, d};
    }
    if (!a) throw sdk::NotFound("Advisor not found", "advisor_not_found");
    return {*a, access_->require(me, "advisor", a->id, bits, "Advisor not found")};
}

Poco::JSON::Object::Ptr AdvisorsPlugin::describe(const Advisor& a, const sdk::AccessDecision& d) const {
    auto o = a.toJson();
    if (!d.owner) {
        auto owner = auth_->findUserById(a.userId);
        o->set("owner", owner ? Poco::Dynamic::Var(owner->username) : Poco::Dynamic::Var());
        auto access = sdk::json::array();
        for (const auto& n : sdk::access::bitNames(d.permissions)) access->add(n);
        o->set("access", access);
        if (auto ws = store_->workspaceOfOwner(a.userId)) o->set("workspace_id", *ws);
    }
    return o;
}

void AdvisorsPlugin::list(sdk::RequestContext& ctx) {
    const std::string& me = ctx.requireAuth().userId;
    auto out = sdk::json::array();
    for (const auto& a : store_->list(me)) out->add(a.toJson());
    // Then advisors others shared with the caller, with their owner and the caller's access.
    for (const auto& [id, bits] : access_->sharedWith(me, "advisor")) {
        auto a = store_->byIdAnyOwner(id);
        if (!a || a->userId == me) continue;
        sdk::AccessDecision d;
        d.visible = true;
        d.permissions = bits;
        out->add(describe(*a, d));
    }
    respondPython(ctx, 200, out);
}

void AdvisorsPlugin::create(sdk::RequestContext& ctx) {
    const std::string& owner = ctx.requireAuth().userId;
    Advisor input = parseAdvisorBody(ctx.jsonBody(), defaultGateway_);
    // 200, not 201: HubGPT's clients expect it.
    respondPython(ctx, 200, store_->create(owner, input).toJson());
}

void AdvisorsPlugin::get(sdk::RequestContext& ctx) {
    auto [a, d] = reachable(ctx, sdk::access::kView);
    respondPython(ctx, 200, describe(a, d));
}

void AdvisorsPlugin::replace(sdk::RequestContext& ctx) {
    const std::string& owner = ctx.requireAuth().userId;
    // The body is validated before the lookup, as FastAPI did (422 wins over 404).
    Advisor input = parseAdvisorBody(ctx.jsonBody(), defaultGateway_);
    if (store_->byId(owner, ctx.pathParam("advisor_id"))) {
        respondPython(ctx, 200, store_->replace(owner, owner, ctx.pathParam("advisor_id"), input).toJson());
        return;
    }
    // Someone else's advisor: the edit permission changes it in its owner's namespace.
    auto [a, d] = reachable(ctx, sdk::access::kEdit);
    respondPython(ctx, 200, describe(store_->replace(ctx.requireAuth().userId, a.userId, a.id, input), d));
}

void AdvisorsPlugin::remove(sdk::RequestContext& ctx) {
    const std::string& me = ctx.requireAuth().userId;
    if (!store_->byId(me, ctx.pathParam("advisor_id"))) {
        // Only the owner deletes: a sharee gets 403 (404 when it is not shared with them). A
        // workspace's advisor has no person as its owner: its admins (manage) delete it.
        auto a = store_->byIdAnyOwner(ctx.pathParam("advisor_id"));
        sdk::AccessDecision d;
        if (a) d = access_->check(me, "advisor", a->id);
        if (!a || !d.visible) throw sdk::NotFound("Advisor not found", "advisor_not_found");
        if (d.allows(sdk::access::kManage) && store_->workspaceOfOwner(a->userId)) {
            store_->remove(a->userId, a->id, me);
        } else {
            throw sdk::Forbidden("Only the owner may delete this advisor", "owner_only");
        }
    } else {
        store_->remove(me, ctx.pathParam("advisor_id"));
    }
    auto o = sdk::json::object();
    o->set("status", "success");
    respondPython(ctx, 200, o);
}

std::string AdvisorsPlugin::workspaceAccount(sdk::RequestContext& ctx, uint32_t bits) const {
    // The workspace's role bits: viewer views (and chats), editor also creates and changes,
    // admin and owner also delete (manage).
    auto d = access_->require(ctx.requireAuth().userId, "workspace", ctx.pathParam("workspace_id"), bits,
                              "Workspace not found");
    return d.resource->ownerId;
}

Advisor AdvisorsPlugin::workspaceAdvisor(sdk::RequestContext& ctx, const std::string& account) const {
    auto a = store_->byId(account, ctx.pathParam("advisor_id"));
    if (!a) throw sdk::NotFound("Advisor not found", "advisor_not_found");
    return *a;
}

void AdvisorsPlugin::listInWorkspace(sdk::RequestContext& ctx) {
    std::string account = workspaceAccount(ctx, sdk::access::kView);
    auto out = sdk::json::array();
    for (const auto& a : store_->list(account)) {
        out->add(describe(a, access_->check(ctx.requireAuth().userId, "advisor", a.id)));
    }
    respondPython(ctx, 200, out);
}

void AdvisorsPlugin::createInWorkspace(sdk::RequestContext& ctx) {
    std::string account = workspaceAccount(ctx, sdk::access::kEdit);
    Advisor input = parseAdvisorBody(ctx.jsonBody(), defaultGateway_);
    Advisor a = store_->create(account, input, ctx.requireAuth().userId);
    // 200, as the personal route answers.
    respondPython(ctx, 200, describe(a, access_->check(ctx.requireAuth().userId, "advisor", a.id)));
}

void AdvisorsPlugin::getInWorkspace(sdk::RequestContext& ctx) {
    std::string account = workspaceAccount(ctx, sdk::access::kView);
    Advisor a = workspaceAdvisor(ctx, account);
    respondPython(ctx, 200, describe(a, access_->check(ctx.requireAuth().userId, "advisor", a.id)));
}

void AdvisorsPlugin::replaceInWorkspace(sdk::RequestContext& ctx) {
    // The workspace comes first: a stranger learns nothing from a validation error.
    std::string account = workspaceAccount(ctx, sdk::access::kEdit);
    Advisor input = parseAdvisorBody(ctx.jsonBody(), defaultGateway_);
    Advisor a = workspaceAdvisor(ctx, account);
    const std::string& me = ctx.requireAuth().userId;
    Advisor updated = store_->replace(me, account, a.id, input);
    respondPython(ctx, 200, describe(updated, access_->check(me, "advisor", a.id)));
}

void AdvisorsPlugin::removeInWorkspace(sdk::RequestContext& ctx) {
    std::string account = workspaceAccount(ctx, sdk::access::kManage);
    Advisor a = workspaceAdvisor(ctx, account);
    store_->remove(account, a.id, ctx.requireAuth().userId);
    auto o = sdk::json::object();
    o->set("status", "success");
    respondPython(ctx, 200, o);
}

int AdvisorsPlugin::importCommand(sdk::CommandContext& c) {
    auto user = c.options.find("user");
    if (user == c.options.end() || user->second.empty() || c.args.size() != 1) {
        c.err << "usage: hubd import advisors DIR --user NAME\n";
        return 64;
    }
    std::filesystem::path dir(c.args[0]);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        c.err << "hubd import advisors: '" << dir.string() << "' is not a directory\n";
        return 1;
    }
    auto info = c.services.require<sdk::IAuth>()->findUserByName(user->second);
    if (!info) {
        c.err << "hubd import advisors: no user named '" << user->second << "'\n";
        return 1;
    }
    LegacyImporter importer(*store_, defaultGateway_);
    importer.run(dir, info->id, c.out);
    return 0;
}

}  // namespace hub::plugins::advisors

HUB_PLUGIN(hub::plugins::advisors::AdvisorsPlugin, "advisors", "1.0.0")
