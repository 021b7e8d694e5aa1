# Unit tests of the state database (stores layer), included from tests/unit/CMakeLists.txt: real
# SQLite files in a fresh temporary folder per test.
add_executable(state_store_test ${CMAKE_CURRENT_LIST_DIR}/StateStoreTest.cpp)
target_link_libraries(state_store_test
    PRIVATE mvi::host_stores GTest::gtest GTest::gtest_main Threads::Threads)
mvi_project_target(state_store_test)
gtest_discover_tests(state_store_test PROPERTIES LABELS unit)

# The one schema of mvi.db (Database): fresh files, files of the previous layout, a newer schema.
add_executable(database_test ${CMAKE_CURRENT_LIST_DIR}/DatabaseTest.cpp)
target_link_libraries(database_test
    PRIVATE mvi::host_stores GTest::gtest GTest::gtest_main Threads::Threads)
mvi_project_target(database_test)
gtest_discover_tests(database_test PROPERTIES LABELS unit)

# The data folder's checks (modes, leftovers, quick_check, the database watch) on real folders, real
# SQLite files and a read-only tmpfs; some run a child process as the user nobody.
add_executable(data_folder_test ${CMAKE_CURRENT_LIST_DIR}/DataFolderTest.cpp)
target_link_libraries(data_folder_test
    PRIVATE mvi::host_stores GTest::gtest GTest::gtest_main Threads::Threads)
mvi_project_target(data_folder_test)
gtest_discover_tests(data_folder_test PROPERTIES LABELS unit)
