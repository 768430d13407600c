// Out-of-line key functions: one typeinfo per SDK type, owned by libhub_sdk.so, so RTTI and
// exceptions work across RTLD_LOCAL plugin libraries.
#include "hub/sdk/Plugin.h"

#include <ctime>

#include "hub/sdk/RequestContext.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/ServiceRegistry.h"
#include "hub/sdk/services/IAuth.h"
#include "hub/sdk/services/IBlobStore.h"
#include "hub/sdk/services/ITransactionalBlobStore.h"
#include "hub/sdk/services/IClock.h"
#include "hub/sdk/services/IDatabase.h"
#include "hub/sdk/services/IEventBus.h"
#include "hub/sdk/services/IToolRegistry.h"

namespace hub {
namespace sdk {
inline namespace v1 {

Plugin::~Plugin() = default;
void Plugin::declareConfig(ConfigSchema&) const {}
void Plugin::start(PluginContext&) {}
void Plugin::stop() noexcept {}
HealthReport Plugin::health() const { return {}; }

RequestContext::~RequestContext() = default;
const AuthContext& RequestContext::requireAuth() const {
    const AuthContext* a = auth();
    if (a == nullptr) {
        throw Unauthorized("Not authenticated");
    }
    return *a;
}

Registrar::~Registrar() = default;
PluginContext::~PluginContext() = default;
ServiceRegistry::~ServiceRegistry() = default;
IDatabase::~IDatabase() = default;
IAuth::~IAuth() = default;
IEventBus::~IEventBus() = default;
IClock::~IClock() = default;
IBlobStore::~IBlobStore() = default;
ITransactionalBlobStore::~ITransactionalBlobStore() = default;
IToolRegistry::~IToolRegistry() = default;

std::string IClock::formatIso(int64_t micros, bool withMicros) {
    int64_t secs = micros / 1000000;
    int64_t frac = micros % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out(buf);
    if (withMicros && frac != 0) {
        char f[16];
        std::snprintf(f, sizeof f, ".%06lld", static_cast<long long>(frac));
        out += f;
    }
    return out;
}

}  // namespace v1
}  // namespace sdk
}  // namespace hub
