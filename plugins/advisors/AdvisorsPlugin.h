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

private:
    void list(sdk::RequestContext& ctx);
    void create(sdk::RequestContext& ctx);
    void get(sdk::RequestContext& ctx);
    void replace(sdk::RequestContext& ctx);
    void remove(sdk::RequestContext& ctx);
    /// `hubd import advisors DIR --user NAME`: 0 when it ran (skips included), 1 for an
    /// unknown user or a DIR that is not a directory, 64 for a usage error.
    int importCommand(sdk::CommandContext& c);

    std::string defaultGateway_;
    std::shared_ptr<AdvisorStore> store_ = std::make_shared<AdvisorStore>();
};

}  // namespace hub::plugins::advisors
