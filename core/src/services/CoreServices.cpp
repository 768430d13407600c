#include "services/CoreServices.h"

#include <chrono>

namespace hub::core {

int64_t SystemClock::nowMicros() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void EventBus::publish(const std::string& topic, const Poco::JSON::Object::Ptr& payload) {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    for (const auto& s : subs_) {
        if (s.topic != topic && s.topic != "*") continue;
        try {
            s.handler(topic, payload);
        } catch (const std::exception& e) {
            logger_.error("event %s: subscriber of plugin '%s' threw: %s", topic, s.owner, std::string(e.what()));
        } catch (...) {
            logger_.error("event %s: subscriber of plugin '%s' threw", topic, s.owner);
        }
    }
}

void EventBus::subscribe(const std::string& owner, const std::string& topic, sdk::EventHandler h) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    subs_.push_back({owner, topic, std::move(h)});
}

void EventBus::removeOwner(const std::string& owner) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    std::erase_if(subs_, [&](const Subscription& s) { return s.owner == owner; });
}

void ToolRegistry::add(sdk::ToolSpec spec, const std::string& owner) {
    if (spec.name.empty() || !spec.invoke) {
        throw std::runtime_error("tool registered by '" + owner + "' needs a name and an invoke function");
    }
    for (const auto& [o, t] : tools_) {
        if (t->name == spec.name) {
            throw std::runtime_error("duplicate tool '" + spec.name + "': registered by '" + o + "' and by '" + owner + "'");
        }
    }
    tools_.emplace_back(owner, std::make_unique<sdk::ToolSpec>(std::move(spec)));
}

void ToolRegistry::removeOwner(const std::string& owner) {
    std::erase_if(tools_, [&](const auto& p) { return p.first == owner; });
}

std::vector<const sdk::ToolSpec*> ToolRegistry::list() const {
    std::vector<const sdk::ToolSpec*> out;
    for (const auto& [o, t] : tools_) out.push_back(t.get());
    return out;
}

const sdk::ToolSpec* ToolRegistry::find(const std::string& name) const {
    for (const auto& [o, t] : tools_) {
        if (t->name == name) return t.get();
    }
    return nullptr;
}

std::string ToolRegistry::ownerOf(const std::string& name) const {
    for (const auto& [o, t] : tools_) {
        if (t->name == name) return o;
    }
    return {};
}

bool ToolRegistry::usableBy(const std::string& userId, const std::string& name) const {
    if (find(name) == nullptr) return false;
    if (!needsGrant(name) || access_ == nullptr) return true;
    return access_->check(userId, "tool", name).allows(sdk::access::kUse);
}

void ToolRegistry::enforce(const sdk::IAccess* access, ToolPolicy policy) {
    access_ = access;
    policy_ = std::move(policy);
}

void ServiceRegistryImpl::add(const std::string& id, std::shared_ptr<void> service, const std::string& owner) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = services_.find(id);
    if (it != services_.end()) {
        throw std::runtime_error("service '" + id + "' is provided twice: by '" + it->second.first +
                                 "' and by '" + owner + "'");
    }
    services_[id] = {owner, std::move(service)};
}

void ServiceRegistryImpl::removeOwner(const std::string& owner) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(services_, [&](const auto& p) { return p.second.first == owner; });
}

std::shared_ptr<void> ServiceRegistryImpl::findRaw(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = services_.find(id);
    return it == services_.end() ? nullptr : it->second.second;
}

std::vector<std::string> ServiceRegistryImpl::ids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [k, v] : services_) out.push_back(k);
    return out;
}

std::string ServiceRegistryImpl::ownerOf(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = services_.find(id);
    return it == services_.end() ? std::string() : it->second.first;
}

}  // namespace hub::core
