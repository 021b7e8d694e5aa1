# Unit tests of the JSON Schema validation (stores layer) (included from tests/unit/CMakeLists.txt).
add_executable(schema_validator_test ${CMAKE_CURRENT_LIST_DIR}/SchemaValidatorTest.cpp)
target_link_libraries(schema_validator_test PRIVATE mvi::host_stores GTest::gtest GTest::gtest_main)
mvi_project_target(schema_validator_test)
gtest_discover_tests(schema_validator_test)
