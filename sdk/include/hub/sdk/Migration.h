// A versioned schema change owned by one plugin (or the core), with SQL per dialect.
#pragma once

#include <string>

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * Applied once, in `version` order, inside one transaction, and recorded with a checksum
 * of its SQL: editing an applied migration makes the server refuse to start. Statements
 * are separated by `;` at the end of a line. Both dialects are required.
 */
struct Migration {
    int version = 0;
    std::string name;
    std::string sqlite;
    std::string postgresql;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
