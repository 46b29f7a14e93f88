# Unit tests of format/ (each foo_test.cpp sits beside foo.cpp), built twice:
# plain, and with AddressSanitizer + UBSan over the library too, because the
# reader must survive any bytes.
add_library(kmr_catch_main OBJECT testing/catch_main.cpp)
target_link_libraries(kmr_catch_main PUBLIC Catch2::Catch2)

set(KMR_FORMAT_TEST_SOURCES
  kmr/chunk_codec_test.cpp
  kmr/end_time_test.cpp
  kmr/interval_set_test.cpp
  kmr/page_table_test.cpp
  kmr/reader_test.cpp
  kmr/seek_test.cpp
  kmr/state_test.cpp
  kmr/time_spec_test.cpp
  kmr/vma_map_test.cpp
  kmr/writer_test.cpp
)

add_executable(kmemrec_format_tests ${KMR_FORMAT_TEST_SOURCES})
target_include_directories(kmemrec_format_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(kmemrec_format_tests PRIVATE kmemrec_format kmemrec_synth kmr_catch_main
  Catch2::Catch2 PkgConfig::XXHASH)
add_test(NAME format_unit COMMAND kmemrec_format_tests)

set(KMR_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer)
kmr_format_library(kmemrec_format_asan)
target_compile_options(kmemrec_format_asan PRIVATE ${KMR_SANITIZE})
add_library(kmemrec_synth_asan STATIC ${KMR_SYNTH_SOURCES})
target_link_libraries(kmemrec_synth_asan PUBLIC kmemrec_format_asan kmemrec_base)
target_compile_options(kmemrec_synth_asan PRIVATE ${KMR_SANITIZE})
add_executable(kmemrec_format_tests_asan ${KMR_FORMAT_TEST_SOURCES})
target_include_directories(kmemrec_format_tests_asan PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_options(kmemrec_format_tests_asan PRIVATE ${KMR_SANITIZE})
target_link_options(kmemrec_format_tests_asan PRIVATE ${KMR_SANITIZE})
target_link_libraries(kmemrec_format_tests_asan PRIVATE kmemrec_format_asan kmemrec_synth_asan
  kmr_catch_main Catch2::Catch2 PkgConfig::XXHASH)
# The sanitized run skips the slow seek sweep ([.slow] tests run only plain).
add_test(NAME format_unit_asan COMMAND kmemrec_format_tests_asan)
set_tests_properties(format_unit_asan PROPERTIES
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
