# Unit tests of mvi::host_state (included from tests/unit/CMakeLists.txt): real SQLite files in a
# fresh temporary folder per test.
add_executable(state_store_test ${CMAKE_CURRENT_LIST_DIR}/StateStoreTest.cpp)
target_link_libraries(state_store_test
    PRIVATE mvi::host_state mvi::host_core GTest::gtest GTest::gtest_main Threads::Threads)
mvi_project_target(state_store_test)
gtest_discover_tests(state_store_test PROPERTIES LABELS unit)
