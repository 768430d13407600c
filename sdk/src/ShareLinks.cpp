#include "hub/sdk/services/IShareLinks.h"

namespace hub {
namespace sdk {
inline namespace v1 {

// Out of line so libhub_sdk.so is the one home of the vtable and typeinfo.
IShareLinks::~IShareLinks() = default;

}  // namespace v1
}  // namespace sdk
}  // namespace hub
