// The REST face of the access model: /api/v1/shares (grants on any resource type),
// /api/v1/access/explain ("why can this person see this?") and /api/v1/teams.
#pragma once

#include "access/AccessService.h"
#include "auth/AuthService.h"
#include "http/Router.h"

namespace hub::core {

void registerAccessRoutes(Router& router, AccessService& access, AuthService& auth);

}  // namespace hub::core
