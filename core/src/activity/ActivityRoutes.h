// The REST face of the activity store: GET /api/v1/activity (the caller's feed, or one
// resource's history) with filters and cursor pagination.
#pragma once

#include "activity/ActivityService.h"
#include "auth/AuthService.h"
#include "http/Router.h"

namespace hub::core {

void registerActivityRoutes(Router& router, ActivityService& activity, AccessService& access, AuthService& auth);

}  // namespace hub::core
