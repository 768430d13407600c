#include "hub/sdk/services/IActivity.h"

namespace hub {
namespace sdk {
inline namespace v1 {

// The key function: IActivity's vtable and type_info live in libhub_sdk.so, so plugins and
// the core agree on them (dynamic_cast, catch) across libraries.
IActivity::~IActivity() = default;

}  // namespace v1
}  // namespace sdk
}  // namespace hub
