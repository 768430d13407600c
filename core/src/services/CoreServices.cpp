#include "services/CoreServices.h"

#include <chrono>
#include <filesystem>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

#include <sodium.h>

#include "hub/sdk/Error.h"
#include "util/Crypto.h"

namespace fs = std::filesystem;

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

namespace {

bool validBlobId(const std::string& id) {
    return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

void fsyncPath(const std::string& path, int flags) {
    int fd = ::open(path.c_str(), flags);
    if (fd < 0) throw std::runtime_error("cannot open " + path + " for fsync");
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw std::runtime_error("fsync failed for " + path);
}

}  // namespace

LocalBlobStore::LocalBlobStore(std::string root) : root_(std::move(root)) {
    fs::create_directories(fs::path(root_) / "tmp");
}

std::string LocalBlobStore::pathFor(const std::string& id) const {
    return (fs::path(root_) / id.substr(0, 2) / id).string();
}

sdk::BlobInfo LocalBlobStore::put(std::istream& in, uint64_t maxBytes) {
    std::string id = crypto::randomHex(16);
    std::string tmp = (fs::path(root_) / "tmp" / (id + ".part")).string();
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    uint64_t size = 0;
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw std::runtime_error("cannot create " + tmp);
            std::vector<char> buf(64 * 1024);
            while (in) {
                in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
                std::streamsize n = in.gcount();
                if (n <= 0) break;
                size += static_cast<uint64_t>(n);
                if (size > maxBytes) {
                    throw sdk::PayloadTooLarge("Upload is larger than the limit of " + std::to_string(maxBytes) + " bytes");
                }
                crypto_hash_sha256_update(&sha, reinterpret_cast<const unsigned char*>(buf.data()),
                                          static_cast<unsigned long long>(n));
                out.write(buf.data(), n);
                if (!out) throw sdk::Unavailable("The blob store could not write (disk full?)", "storage_write_failed");
            }
            out.flush();
            if (!out) throw sdk::Unavailable("The blob store could not write (disk full?)", "storage_write_failed");
        }
        fsyncPath(tmp, O_RDONLY);
        fs::path final = pathFor(id);
        fs::create_directories(final.parent_path());
        fs::rename(tmp, final);
        fsyncPath(final.parent_path().string(), O_RDONLY | O_DIRECTORY);
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&sha, digest);
    return sdk::BlobInfo{id, size, crypto::toHex(std::string(reinterpret_cast<char*>(digest), sizeof digest))};
}

std::unique_ptr<std::istream> LocalBlobStore::open(const std::string& id) const {
    if (!validBlobId(id)) return nullptr;
    auto in = std::make_unique<std::ifstream>(pathFor(id), std::ios::binary);
    if (!*in) return nullptr;
    return in;
}

std::optional<sdk::BlobInfo> LocalBlobStore::stat(const std::string& id) const {
    if (!validBlobId(id)) return std::nullopt;
    std::error_code ec;
    auto size = fs::file_size(pathFor(id), ec);
    if (ec) return std::nullopt;
    return sdk::BlobInfo{id, size, ""};
}

bool LocalBlobStore::remove(const std::string& id) {
    if (!validBlobId(id)) return false;
    std::error_code ec;
    return fs::remove(pathFor(id), ec);
}

void LocalBlobStore::sweepTemp() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(root_) / "tmp", ec)) {
        fs::remove(entry.path(), ec);
    }
}

}  // namespace hub::core
