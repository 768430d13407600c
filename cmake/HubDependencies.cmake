# Finds every library the core, SDK and tests use (names verified on Debian 12).
# Debian's PocoDataPostgreSQLTargets.cmake links "PostgreSQL::client", which nothing creates.
find_package(PostgreSQL REQUIRED)
if(NOT TARGET PostgreSQL::client)
  add_library(PostgreSQL::client INTERFACE IMPORTED)
  target_link_libraries(PostgreSQL::client INTERFACE PostgreSQL::PostgreSQL)
endif()
find_package(Poco 1.11 REQUIRED COMPONENTS Foundation Net NetSSL Util JSON JWT Crypto Data DataSQLite DataPostgreSQL Redis)
find_package(yaml-cpp REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(XCRYPT REQUIRED IMPORTED_TARGET libxcrypt)
find_package(Threads REQUIRED)
