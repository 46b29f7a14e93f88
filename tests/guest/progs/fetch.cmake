kmr_guest_prog(fetch_check fetch_check.c kcore_rec.c)
# xxh64 of expected page contents (KMR_PAGE_DATA_HASH): Debian ships the
# static libxxhash.a beside the .so pkg-config names.
find_library(KMR_XXHASH_ARCHIVE NAMES libxxhash.a HINTS ${XXHASH_LIBRARY_DIRS} REQUIRED)
target_include_directories(fetch_check PRIVATE ${XXHASH_INCLUDE_DIRS})
target_link_libraries(fetch_check PRIVATE ${KMR_XXHASH_ARCHIVE})
