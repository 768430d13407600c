// The REST face of workspaces: /api/v1/workspaces with members and roles. What a workspace
// owns is served by the plugins under /api/v1/workspaces/{id}/... (files, advisors, chats).
#pragma once

#include "access/AccessService.h"
#include "auth/AuthService.h"
#include "http/Router.h"

namespace hub::core {

void registerWorkspaceRoutes(Router& router, AccessService& access, AuthService& auth);

}  // namespace hub::core
