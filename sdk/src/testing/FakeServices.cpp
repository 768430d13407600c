#include "hub/sdk/testing/FakeServices.h"

#include <Poco/Logger.h>

namespace hub {
namespace sdk {
inline namespace v1 {
namespace testing {

RecordingActivity::RecordingActivity() = default;
RecordingActivity::~RecordingActivity() = default;

std::string RecordingActivity::record(Poco::Data::Session&, const ActivityEntry& entry) { return record(entry); }

std::string RecordingActivity::record(const ActivityEntry& entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back(entry);
    return "entry-" + std::to_string(entries_.size());
}

std::vector<ActivityEntry> RecordingActivity::entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
}

FakeServiceRegistry::FakeServiceRegistry() = default;
FakeServiceRegistry::~FakeServiceRegistry() = default;

std::shared_ptr<void> FakeServiceRegistry::findRaw(const std::string& id) const {
    auto it = services_.find(id);
    return it == services_.end() ? nullptr : it->second;
}

std::vector<std::string> FakeServiceRegistry::ids() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : services_) {
        out.push_back(k);
    }
    return out;
}

RecordingRegistrar::RecordingRegistrar() = default;
RecordingRegistrar::~RecordingRegistrar() = default;
void RecordingRegistrar::route(RouteSpec spec) { routes.push_back(std::move(spec)); }
void RecordingRegistrar::middleware(MiddlewareSpec spec) { middlewares.push_back(std::move(spec)); }
void RecordingRegistrar::tool(ToolSpec spec) { tools.push_back(std::move(spec)); }
void RecordingRegistrar::migration(Migration m) { migrations.push_back(std::move(m)); }
void RecordingRegistrar::provideRaw(const std::string& id, std::shared_ptr<void> s) {
    provided[id] = std::move(s);
}
void RecordingRegistrar::subscribe(const std::string& topic, EventHandler h) {
    subscriptions.emplace_back(topic, std::move(h));
}

void RecordingRegistrar::command(CommandSpec spec) { commands.push_back(std::move(spec)); }

const RouteSpec* RecordingRegistrar::findRoute(const std::string& method,
                                               const std::string& path) const {
    for (const auto& r : routes) {
        if (r.method == method && r.path == path) {
            return &r;
        }
    }
    return nullptr;
}

FakePluginContext::FakePluginContext(std::string name, ConfigView config, std::string dataDir)
    : name_(std::move(name)), config_(std::move(config)), dataDir_(std::move(dataDir)) {}
FakePluginContext::~FakePluginContext() = default;

Poco::Logger& FakePluginContext::logger() const { return Poco::Logger::get("plugin." + name_); }

}  // namespace testing
}  // namespace v1
}  // namespace sdk
}  // namespace hub
