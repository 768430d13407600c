// HubGPT's auth routes (contract §3): register, login, logout, verify, users/me, /verify.
#pragma once

#include "auth/AuthService.h"
#include "http/Router.h"

namespace hub::core {

void registerAuthRoutes(Router& router, AuthService& auth);

/// HubGPT's UserResponse (+ role).
Poco::JSON::Object::Ptr userResponse(const UserRecord& user, const std::string& currentToken = "");

/// Username rules: 1-64 bytes, printable, no surrounding whitespace, no '/' or ':'.
std::string usernameProblem(const std::string& username);
/// Returns the normalised email (domain lower-cased) or empty with `problem` set.
std::string normaliseEmail(const std::string& email, std::string& problem);

}  // namespace hub::core
