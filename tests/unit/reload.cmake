# Unit tests of the plugins-folder watcher and its folder listing (stores layer) (included from
# tests/unit/CMakeLists.txt).
add_executable(plugin_watcher_test ${CMAKE_CURRENT_LIST_DIR}/PluginWatcherTest.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/FolderListingTest.cpp)
target_link_libraries(plugin_watcher_test
    PRIVATE mvi::host_stores GTest::gtest GTest::gtest_main)
mvi_project_target(plugin_watcher_test)
gtest_discover_tests(plugin_watcher_test PROPERTIES LABELS unit)
