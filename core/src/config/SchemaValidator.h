// Checks one config section against its ConfigSchema: types, ranges, required keys, unknown
// keys, cross-field checks. Collects every error; fills in defaults.
#pragma once

#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "config/ConfigTree.h"
#include "hub/sdk/ConfigSchema.h"

namespace hub::core {

class SchemaValidator {
public:
    /**
     * Validates `input` (may be null: an absent section) against `schema`. `path` is the
     * dotted prefix used in messages. Returns the section with defaults filled and values
     * coerced to the declared types (ints accepted where numbers are expected, scalars
     * accepted where strings are expected). Errors are appended, never thrown.
     * `ignoreKeys` are keys of this level handled elsewhere (e.g. "plugins").
     */
    static Poco::JSON::Object::Ptr validate(const Poco::JSON::Object::Ptr& input,
                                            const sdk::ConfigSchema& schema,
                                            const std::string& path, const ConfigTree& tree,
                                            std::vector<ConfigError>& errors,
                                            const std::vector<std::string>& ignoreKeys = {});
};

}  // namespace hub::core
