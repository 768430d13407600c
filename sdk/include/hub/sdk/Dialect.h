// SQL dialects the core's database service speaks.
#pragma once

namespace hub {
namespace sdk {
inline namespace v1 {

enum class Dialect { SQLite, PostgreSQL };

inline const char* dialectName(Dialect d) { return d == Dialect::SQLite ? "sqlite" : "postgresql"; }

}  // namespace v1
}  // namespace sdk
}  // namespace hub
