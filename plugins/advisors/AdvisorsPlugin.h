// The advisors feature: per-user advisors with HubGPT's routes and Advisor object (contract
// §4.1, its bugs fixed), the advisors.lookup.v1 service and `hubd import advisors`.
#pragma once

#include <memory>
#include <string>

#include "AdvisorStore.h"
#include "hub/sdk/Sdk.h"

namespace hub::plugins::advisors {

class AdvisorsPlugin : public sdk::Plugin {
public:
    void declareConfig(sdk::ConfigSchema& schema) const override;
    void registerComponents(sdk::Registrar& registrar, const sdk::ConfigView& config) override;
    void start(sdk::PluginContext& context) override;
    void stop() noexcept override;

private:
    void list(sdk::RequestContext& ctx);
    void create(sdk::RequestContext& ctx);
    void get(sdk::RequestContext& ctx);
    void replace(sdk::RequestContext& ctx);
    void remove(sdk::RequestContext& ctx);
    /// The same routes under /api/v1/workspaces/{workspace_id}: the workspace's advisors.
    void listInWorkspace(sdk::RequestContext& ctx);
    void createInWorkspace(sdk::RequestContext& ctx);
    void getInWorkspace(sdk::RequestContext& ctx);
    void replaceInWorkspace(sdk::RequestContext& ctx);
    void removeInWorkspace(sdk::RequestContext& ctx);
    /// `hubd import advisors DIR --user NAME`: 0 when it ran (skips included), 1 for an
    /// unknown user or a DIR that is not a directory, 64 for a usage error.
    int importCommand(sdk::CommandContext& c);

    /// The advisor at {advisor_id} as the caller may reach it (their own, or shared with
    /// `bits`): 404 when invisible, 403 when visible without `bits`.
    std::pair<Advisor, sdk::AccessDecision> reachable(sdk::RequestContext& ctx, uint32_t bits) const;
    /// The account of the workspace at {workspace_id} when the caller's role there gives
    /// `bits` (404 for non-members and deleted workspaces, 403 without the bits).
    std::string workspaceAccount(sdk::RequestContext& ctx, uint32_t bits) const;
    /// The workspace's advisor at {advisor_id} (404 when the workspace does not own it).
    Advisor workspaceAdvisor(sdk::RequestContext& ctx, const std::string& account) const;
    /// Advisor JSON plus, for someone else's advisor, its owner and the caller's access (and
    /// `workspace_id` when a workspace owns it).
    Poco::JSON::Object::Ptr describe(const Advisor& a, const sdk::AccessDecision& d) const;

    std::string defaultGateway_;
    std::shared_ptr<sdk::IAccess> access_;
    std::shared_ptr<sdk::IAuth> auth_;
    std::shared_ptr<AdvisorStore> store_ = std::make_shared<AdvisorStore>();
};

}  // namespace hub::plugins::advisors
