# Every dependency comes from a Debian 12 package; a missing one fails the
# configure step with the package to install.

function(kmr_require_package found pkg what)
  if(NOT ${found})
    message(FATAL_ERROR
      "kmemrec needs ${what}: apt-get install ${pkg}")
  endif()
endfunction()

find_package(CapnProto QUIET CONFIG)
kmr_require_package(CapnProto_FOUND "capnproto libcapnp-dev" "Cap'n Proto")

find_package(PkgConfig QUIET)
kmr_require_package(PKG_CONFIG_FOUND pkg-config "pkg-config")
pkg_check_modules(ZSTD QUIET IMPORTED_TARGET libzstd>=1.5)
kmr_require_package(ZSTD_FOUND libzstd-dev "zstd (>= 1.5)")
pkg_check_modules(XXHASH QUIET IMPORTED_TARGET libxxhash)
kmr_require_package(XXHASH_FOUND libxxhash-dev "xxHash")

find_package(CLI11 QUIET CONFIG)
kmr_require_package(CLI11_FOUND libcli11-dev "CLI11")

find_package(Catch2 2 QUIET CONFIG)
kmr_require_package(Catch2_FOUND catch2 "Catch2 v2")

find_package(Threads REQUIRED)

find_package(nlohmann_json 3 QUIET CONFIG)
kmr_require_package(nlohmann_json_FOUND nlohmann-json3-dev "nlohmann JSON")
