#include "hub/sdk/services/IAccess.h"

namespace hub {
namespace sdk {
inline namespace v1 {

IAccess::~IAccess() = default;

namespace access {
namespace {
struct Named {
    const char* name;
    uint32_t bit;
};
constexpr Named kBits[] = {{"view", kView}, {"use", kUse}, {"edit", kEdit}, {"reshare", kReshare}, {"manage", kManage}};
}  // namespace

uint32_t bitNamed(const std::string& name) {
    if (name == "write") return kEdit;  // the files API's word for it
    for (const auto& b : kBits) {
        if (name == b.name) return b.bit;
    }
    return 0;
}

std::vector<std::string> bitNames(uint32_t bits) {
    std::vector<std::string> out;
    for (const auto& b : kBits) {
        if ((bits & b.bit) != 0) out.emplace_back(b.name);
    }
    return out;
}

uint32_t roleBits(const std::string& role) {
    if (role == "viewer") return kViewer;
    if (role == "user") return kUser;
    if (role == "editor") return kEditor;
    if (role == "owner") return kOwner;
    return 0;
}

}  // namespace access
}  // namespace v1
}  // namespace sdk
}  // namespace hub
