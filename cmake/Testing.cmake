# How tests are named and labelled, so that they read like a table:
#
#   <part>.unit            Catch2 unit tests of a part (base, format,
#                          recorder, replayer, fetch, oracle)       label unit
#   format.unit_asan       the same under ASan + UBSan              labels unit asan
#   abi.layout, version.match, oracle.e2e_list
#                          consistency checks of the tree           label unit
#   targets.checkpoints    the kmrt-* programs on the host           label targets
#   cli.<case>, cli.stock_tools, cli.compare.*
#                          golden output of the tools               label cli
#   render.svg_screenshot  the SVG in headless Chromium              label render
#   bench.<program>        each benchmark once, tiny, as a smoke test label bench
#   install.manifest, install.consumer, install.man, install.completion
#                          cmake --install, find_package/pkg-config,
#                          man pages, bash completion             label install
#
# ctest -L unit runs one label; ctest -LE render leaves one out.  The guest
# tests are not ctest tests (they boot QEMU): tests/guest/run.sh.
#
# Golden files: KMR_UPDATE_GOLDEN=1 ctest -L cli rewrites every golden
# file (tests/cli/expected, tests/cli/compare/golden) instead of comparing;
# review the diff before committing.

# kmr_test(NAME LABELS COMMAND...): add_test with its labels.
function(kmr_test name labels)
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}")
endfunction()

# kmr_unit_tests(PART SOURCES... LIBS libs...): the Catch2 executable
# <part>_tests and the test <part>.unit.
function(kmr_unit_tests part)
  cmake_parse_arguments(U "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${part}_tests ${U_SOURCES})
  target_link_libraries(${part}_tests PRIVATE ${U_LIBS} kmemrec::catch_main kmemrec::warnings)
  kmr_test(${part}.unit unit $<TARGET_FILE:${part}_tests>)
endfunction()
