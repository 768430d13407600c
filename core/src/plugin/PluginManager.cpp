#include "plugin/PluginManager.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <Poco/JSON/Array.h>

#include "config/SchemaValidator.h"
#include "db/MigrationRunner.h"
#include "http/Router.h"
#include "hub/sdk/Json.h"
#include "services/CoreServices.h"

namespace fs = std::filesystem;

namespace hub::core {

struct PluginManager::Entry {
    LoadedLibrary lib;
    std::string name;
    std::string version;
    std::string status;
    bool enabled = true;
    bool optional = false;
    std::vector<std::string> requires_;
    std::unique_ptr<sdk::ConfigSchema> schema;
    sdk::ConfigView config;
    std::shared_ptr<sdk::Plugin> instance;
    std::string state = "loaded";
    std::string error;
    std::vector<sdk::Migration> migrations;
    std::unique_ptr<sdk::PluginContext> context;
};

namespace {

/// Records a plugin's registrations into the core sinks, tagged with the plugin name.
class SinkRegistrar : public sdk::Registrar {
public:
    SinkRegistrar(const std::string& owner, ComponentSinks& sinks, std::vector<sdk::Migration>& migrations)
        : owner_(owner), sinks_(sinks), migrations_(migrations) {}

    void route(sdk::RouteSpec spec) override { sinks_.router.add(std::move(spec), owner_); }
    void middleware(sdk::MiddlewareSpec spec) override {
        if (spec.priority >= 8000) {
            throw std::runtime_error("middleware '" + spec.name + "': priorities >= 8000 are reserved for the core");
        }
        sinks_.middleware.emplace_back(owner_, std::move(spec));
    }
    void tool(sdk::ToolSpec spec) override { sinks_.tools.add(std::move(spec), owner_); }
    void migration(sdk::Migration m) override { migrations_.push_back(std::move(m)); }
    void provideRaw(const std::string& id, std::shared_ptr<void> service) override {
        if (id.rfind("core.", 0) == 0) {
            throw std::runtime_error("service id '" + id + "' is reserved for the core");
        }
        sinks_.services.add(id, std::move(service), owner_);
    }
    void subscribe(const std::string& topic, sdk::EventHandler handler) override {
        sinks_.events.subscribe(owner_, topic, std::move(handler));
    }
    void command(sdk::CommandSpec spec) override {
        static const std::set<std::string> kBuiltIn{"serve", "migrate", "user"};
        std::string first = spec.name.substr(0, spec.name.find(' '));
        if (spec.name.empty() || !spec.run || kBuiltIn.count(first)) {
            throw std::runtime_error("command '" + spec.name + "' is empty, has no function or shadows a built-in");
        }
        for (const auto& [owner, c] : sinks_.commands) {
            if (c.name == spec.name) {
                throw std::runtime_error("duplicate command '" + spec.name + "': registered by '" + owner +
                                         "' and by '" + owner_ + "'");
            }
        }
        sinks_.commands.emplace_back(owner_, std::move(spec));
    }

private:
    std::string owner_;
    ComponentSinks& sinks_;
    std::vector<sdk::Migration>& migrations_;
};

class ContextImpl : public sdk::PluginContext {
public:
    ContextImpl(std::string name, sdk::ConfigView config, const sdk::ServiceRegistry& services, std::string dataDir)
        : name_(std::move(name)), config_(std::move(config)), services_(services), dataDir_(std::move(dataDir)) {}
    const std::string& pluginName() const override { return name_; }
    const sdk::ConfigView& config() const override { return config_; }
    const sdk::ServiceRegistry& services() const override { return services_; }
    Poco::Logger& logger() const override { return Poco::Logger::get("plugin." + name_); }
    std::string dataDir() const override {
        fs::create_directories(dataDir_);
        return dataDir_;
    }

private:
    std::string name_;
    sdk::ConfigView config_;
    const sdk::ServiceRegistry& services_;
    std::string dataDir_;
};

void removeOwner(ComponentSinks& sinks, const std::string& owner) {
    sinks.router.removeOwner(owner);
    sinks.tools.removeOwner(owner);
    sinks.services.removeOwner(owner);
    sinks.events.removeOwner(owner);
    std::erase_if(sinks.middleware, [&](const auto& p) { return p.first == owner; });
    std::erase_if(sinks.commands, [&](const auto& p) { return p.first == owner; });
}

}  // namespace

PluginManager::PluginManager(Poco::Logger& logger) : logger_(logger) {}

PluginManager::~PluginManager() {
    // Instances go before their libraries (the deleter holds the library).
    order_.clear();
    for (auto& e : entries_) {
        e->context.reset();
        e->instance.reset();
    }
    entries_.clear();
}

void PluginManager::discover(const std::vector<std::string>& searchPath, std::vector<ConfigError>& errors) {
    std::map<std::string, std::string> seen;  // name -> path
    for (const auto& dir : searchPath) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            errors.push_back({"plugin_search_path", "not a directory: " + dir, ""});
            continue;
        }
        std::vector<fs::path> files;
        for (const auto& f : fs::directory_iterator(dir, ec)) {
            std::string fn = f.path().filename().string();
            if (fn.rfind("hub_", 0) == 0 && f.path().extension() == ".so") files.push_back(f.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            try {
                LoadedLibrary lib = PluginLoader::load(fs::absolute(f).string());
                std::string name = lib.descriptor->name;
                if (seen.count(name)) {
                    errors.push_back({"plugin_search_path",
                                      "plugin " + lib.path + ": duplicate plugin name '" + name +
                                          "' (also provided by " + seen[name] + ")",
                                      ""});
                    continue;
                }
                seen[name] = lib.path;
                auto e = std::make_unique<Entry>();
                e->name = name;
                e->version = lib.descriptor->version;
                e->status = lib.descriptor->status ? lib.descriptor->status : "stable";
                e->lib = std::move(lib);
                entries_.push_back(std::move(e));
            } catch (const PluginLoadError& ex) {
                errors.push_back({"plugin_search_path", ex.what(), ""});
            }
        }
    }
}

void PluginManager::configure(const Poco::JSON::Object::Ptr& section, const ConfigTree& tree,
                              std::vector<ConfigError>& errors) {
    sdk::ConfigSchema entrySchema;
    entrySchema.boolean("enabled").defaultValue(true);
    entrySchema.boolean("optional").defaultValue(false)
        .description("true = a failure in start() disables the plugin instead of stopping hubd");
    entrySchema.stringList("requires").defaultValue(sdk::json::array());

    std::map<std::string, Entry*> byName;
    for (auto& e : entries_) byName[e->name] = e.get();

    if (section) {
        for (const auto& name : section->getNames()) {
            if (!byName.count(name)) {
                std::string known;
                for (const auto& [n, e] : byName) known += (known.empty() ? "" : ", ") + n;
                errors.push_back({"plugins." + name,
                                  "no plugin named '" + name + "' in the plugin search path" +
                                      (known.empty() ? std::string() : " (found: " + known + ")"),
                                  tree.locationOf("plugins." + name)});
            } else if (section->get(name).type() != typeid(Poco::JSON::Object::Ptr) && !section->get(name).isEmpty()) {
                errors.push_back({"plugins." + name, "must be a map", tree.locationOf("plugins." + name)});
            }
        }
    }

    for (auto& e : entries_) {
        Poco::JSON::Object::Ptr raw;
        if (section && section->has(e->name) && section->get(e->name).type() == typeid(Poco::JSON::Object::Ptr)) {
            raw = section->getObject(e->name);
        }
        std::string path = "plugins." + e->name;
        auto settings = SchemaValidator::validate(raw, entrySchema, path, tree, errors, {"config"});
        sdk::ConfigView view(settings);
        if (settings->has("enabled") && settings->get("enabled").isBoolean()) e->enabled = view.getBool("enabled");
        if (settings->has("optional") && settings->get("optional").isBoolean()) e->optional = view.getBool("optional");
        if (settings->has("requires") && !settings->get("requires").isEmpty()) e->requires_ = view.getStringList("requires");
        if (!e->enabled) {
            e->state = "disabled";
            continue;
        }
        // Instances hold a deleter that keeps the library loaded until they are gone.
        const HubPluginDescriptor* d = e->lib.descriptor;
        auto lib = e->lib.library;
        try {
            e->instance = std::shared_ptr<sdk::Plugin>(d->create(), [d, lib](sdk::Plugin* p) { d->destroy(p); });
            e->schema = std::make_unique<sdk::ConfigSchema>();
            e->instance->declareConfig(*e->schema);
        } catch (const std::exception& ex) {
            errors.push_back({path, std::string("plugin failed while declaring its config: ") + ex.what(), ""});
            continue;
        }
        Poco::JSON::Object::Ptr cfgRaw;
        if (raw && raw->has("config") && !raw->get("config").isEmpty()) {
            if (raw->get("config").type() != typeid(Poco::JSON::Object::Ptr)) {
                errors.push_back({path + ".config", "must be a map", tree.locationOf(path + ".config")});
                continue;
            }
            cfgRaw = raw->getObject("config");
        }
        e->config = sdk::ConfigView(SchemaValidator::validate(cfgRaw, *e->schema, path + ".config", tree, errors));
    }

    // Dependency order (depth-first; a cycle is fatal).
    order_.clear();
    std::map<std::string, int> mark;  // 0 new, 1 visiting, 2 done
    std::function<void(Entry*, std::vector<std::string>&)> visit = [&](Entry* e, std::vector<std::string>& stack) {
        if (mark[e->name] == 2) return;
        if (mark[e->name] == 1) {
            std::string cycle;
            for (const auto& s : stack) cycle += s + " -> ";
            errors.push_back({"plugins." + e->name + ".requires", "dependency cycle: " + cycle + e->name, ""});
            return;
        }
        mark[e->name] = 1;
        stack.push_back(e->name);
        for (const auto& dep : e->requires_) {
            auto it = byName.find(dep);
            if (it == byName.end()) {
                errors.push_back({"plugins." + e->name + ".requires", "requires unknown plugin '" + dep + "'",
                                  tree.locationOf("plugins." + e->name + ".requires")});
            } else if (!it->second->enabled) {
                errors.push_back({"plugins." + e->name + ".requires", "requires plugin '" + dep + "', which is disabled",
                                  tree.locationOf("plugins." + e->name + ".requires")});
            } else {
                visit(it->second, stack);
            }
        }
        stack.pop_back();
        mark[e->name] = 2;
        order_.push_back(e);
    };
    for (auto& e : entries_) {
        if (e->enabled) {
            std::vector<std::string> stack;
            visit(e.get(), stack);
        }
    }
}

void PluginManager::fail(Entry& e, const std::string& what, ComponentSinks* sinks) {
    if (!e.optional) {
        throw PluginStartError("plugin '" + e.name + "' (" + e.lib.path + ") " + what);
    }
    logger_.error("optional plugin '%s' disabled: %s", e.name, what);
    e.state = "failed";
    e.error = what;
    if (sinks) removeOwner(*sinks, e.name);
}

void PluginManager::registerAll(ComponentSinks sinks) {
    for (Entry* e : order_) {
        if (e->state != "loaded") continue;
        SinkRegistrar registrar(e->name, sinks, e->migrations);
        try {
            e->instance->registerComponents(registrar, e->config);
            e->state = "registered";
        } catch (const std::exception& ex) {
            fail(*e, std::string("failed in registerComponents(): ") + ex.what(), &sinks);
        }
    }
}

void PluginManager::migrateAll(MigrationRunner& runner) {
    for (Entry* e : order_) {
        if (e->state != "registered") continue;
        try {
            int n = runner.apply(e->name, e->migrations);
            if (n > 0) logger_.information("plugin '%s': applied %d migration(s)", e->name, n);
        } catch (const std::exception& ex) {
            throw PluginStartError(std::string("migrations failed: ") + ex.what());
        }
    }
}

int PluginManager::pendingMigrations(MigrationRunner& runner) {
    int n = 0;
    for (Entry* e : order_) {
        if (e->state == "started") n += runner.pending(e->name, e->migrations);
    }
    return n;
}

void PluginManager::startAll(const sdk::ServiceRegistry& services, const std::string& dataDir,
                             ComponentSinks sinks) {
    for (Entry* e : order_) {
        if (e->state != "registered") continue;
        for (const auto& dep : e->requires_) {
            for (Entry* d : order_) {
                if (d->name == dep && d->state != "started") {
                    fail(*e, "cannot start: required plugin '" + dep + "' is not running", &sinks);
                }
            }
        }
        if (e->state == "failed") continue;
        e->context = std::make_unique<ContextImpl>(e->name, e->config, services,
                                                   (fs::path(dataDir) / "plugins" / e->name).string());
        try {
            e->instance->start(*e->context);
            e->state = "started";
            logger_.information("plugin '%s' %s started", e->name, e->version);
        } catch (const std::exception& ex) {
            try {
                e->instance->stop();
            } catch (...) {
            }
            fail(*e, std::string("failed in start(): ") + ex.what(), &sinks);
        }
    }
}

void PluginManager::stopAll(ComponentSinks sinks) {
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
        Entry* e = *it;
        if (e->state == "started") {
            e->instance->stop();
            e->state = "stopped";
        }
        removeOwner(sinks, e->name);
    }
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
        (*it)->context.reset();
        (*it)->instance.reset();
    }
}

Poco::JSON::Array::Ptr PluginManager::describe() const {
    auto out = sdk::json::array();
    for (const auto& e : entries_) {
        auto o = sdk::json::object();
        o->set("name", e->name);
        o->set("version", e->version);
        o->set("status", e->status);
        o->set("abi", std::to_string(e->lib.descriptor->abi_major) + "." + std::to_string(e->lib.descriptor->abi_minor));
        o->set("state", e->state);
        o->set("optional", e->optional);
        o->set("library", e->lib.path);
        auto req = sdk::json::array();
        for (const auto& r : e->requires_) req->add(r);
        o->set("requires", req);
        if (!e->error.empty()) o->set("error", e->error);
        if (e->state == "started" && e->instance) {
            auto h = e->instance->health();
            auto health = sdk::json::object();
            health->set("ok", h.ok);
            health->set("message", h.message);
            o->set("health", health);
        }
        out->add(o);
    }
    return out;
}

std::vector<std::string> PluginManager::enabledNames() const {
    std::vector<std::string> out;
    for (const Entry* e : order_) out.push_back(e->name);
    return out;
}

}  // namespace hub::core
