# compare, --svg and --perfetto (replayer/compare_views.h): sources added to
# kmemrec_views, and their unit tests (owner: views).
target_sources(kmemrec_views PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/compare_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare_match.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare_profile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/export_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/heat_grid.cpp
  ${CMAKE_CURRENT_LIST_DIR}/perfetto_export.cpp
  ${CMAKE_CURRENT_LIST_DIR}/presence_map.cpp
  ${CMAKE_CURRENT_LIST_DIR}/svg_heatmap.cpp
  ${CMAKE_CURRENT_LIST_DIR}/svg_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trace_event_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vma_life.cpp
)
find_package(Threads REQUIRED)
target_link_libraries(kmemrec_views PUBLIC Threads::Threads)

if(TARGET kmr_catch_main AND TARGET kmemrec_synth)
  add_executable(kmemrec_views_compare_tests
    ${CMAKE_CURRENT_LIST_DIR}/compare_match_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/compare_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/compare_testing.cpp
    ${CMAKE_CURRENT_LIST_DIR}/perfetto_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/svg_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vma_life_test.cpp
  )
  target_include_directories(kmemrec_views_compare_tests PRIVATE
    ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/format)
  target_link_libraries(kmemrec_views_compare_tests PRIVATE kmemrec_views kmemrec_synth
    kmr_catch_main Catch2::Catch2)
  add_test(NAME views_compare_unit COMMAND kmemrec_views_compare_tests)
endif()
