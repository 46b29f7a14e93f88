# Unit tests of format/ (each foo_test.cpp sits beside foo.cpp), built twice:
# format.unit, and format.unit_asan with AddressSanitizer + UBSan over the
# library too, because the reader must survive any bytes.
set(KMR_FORMAT_TEST_SOURCES
  kmr/chunk_codec_test.cpp
  kmr/end_time_test.cpp
  kmr/flight_writer_test.cpp
  kmr/interval_set_test.cpp
  kmr/page_table_test.cpp
  kmr/reader_test.cpp
  kmr/seek_test.cpp
  kmr/state_test.cpp
  kmr/streams_test.cpp
  kmr/time_spec_test.cpp
  kmr/vma_map_test.cpp
  kmr/writer_test.cpp
)
kmr_unit_tests(format SOURCES ${KMR_FORMAT_TEST_SOURCES}
  LIBS kmemrec::synth kmemrec::test_support PkgConfig::XXHASH)

set(KMR_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=undefined
  -fno-omit-frame-pointer)
kmr_format_libraries(_asan)
target_compile_options(kmemrec_format_asan PRIVATE ${KMR_SANITIZE})
target_compile_options(kmemrec_synth_asan PRIVATE ${KMR_SANITIZE})
# A version-2 file for streams_test: the committed CLI fixtures.
target_compile_definitions(format_tests PRIVATE
  KMR_CLI_FIXTURES="${PROJECT_SOURCE_DIR}/tests/cli/fixtures")
add_executable(format_tests_asan ${KMR_FORMAT_TEST_SOURCES})
target_compile_definitions(format_tests_asan PRIVATE
  KMR_CLI_FIXTURES="${PROJECT_SOURCE_DIR}/tests/cli/fixtures")
target_compile_options(format_tests_asan PRIVATE ${KMR_SANITIZE})
target_link_options(format_tests_asan PRIVATE ${KMR_SANITIZE})
target_include_directories(format_tests_asan PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(format_tests_asan PRIVATE kmemrec_synth_asan kmemrec::catch_main
  PkgConfig::XXHASH kmemrec::warnings)
# The sanitized run skips the slow seek sweep ([.slow] tests run only plain).
kmr_test(format.unit_asan "unit;asan" $<TARGET_FILE:format_tests_asan>)
set_tests_properties(format.unit_asan PROPERTIES
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
