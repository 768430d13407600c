// JSON text the way HubGPT's FastAPI wrote it: compact, key order kept, floats in Python's
// repr (1.0 stays 1.0). POCO prints a double 1.0 as `1`, which clients reading a pydantic
// float field would see as an int, so advisor responses are serialised here instead.
#pragma once

#include <string>

#include <Poco/Dynamic/Var.h>

namespace hub::plugins::advisors {

/// Python's repr() of a float: shortest round-trip digits, `.0` on integral values,
/// exponent form below 1e-4 and from 1e16 (`1e-05`, `1e+16`).
std::string pythonFloat(double value);

/// Compact JSON of `value` (objects in their stored key order, strings as sdk::json::quote,
/// doubles through pythonFloat).
std::string toPythonJson(const Poco::Dynamic::Var& value);

}  // namespace hub::plugins::advisors
