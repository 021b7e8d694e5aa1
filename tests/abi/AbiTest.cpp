// mvi/plugin.h compiled as C++: the numbers and sizes that are fixed for ever. A failure here
// means the ABI changed; if that was intended, the version policy at the top of the header says
// which version number must change, and this table is updated with it.
#include <mvi/plugin.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include <gtest/gtest.h>

TEST(AbiVersionTable, AbiVersion) {
    EXPECT_EQ(MVI_ABI_VERSION_MAJOR, 1);
    EXPECT_EQ(MVI_ABI_VERSION_MINOR, 6);
    EXPECT_EQ(MVI_ABI_VERSION_PACK(1, 0), 0x00010000u);
    EXPECT_EQ(MVI_ABI_VERSION_PACK(2, 3), 0x00020003u);
    EXPECT_EQ(MVI_ABI_VERSION_GET_MAJOR(0x00020003u), 2u);
    EXPECT_EQ(MVI_ABI_VERSION_GET_MINOR(0x00020003u), 3u);
    EXPECT_EQ(MVI_ABI_VERSION_GET_MAJOR(MVI_ABI_VERSION_PACK(0xFFFF, 0xFFFF)), 0xFFFFu);
    EXPECT_EQ(MVI_ABI_VERSION_GET_MINOR(MVI_ABI_VERSION_PACK(0xFFFF, 0xFFFF)), 0xFFFFu);
}

TEST(AbiVersionTable, StatusCodes) {
    EXPECT_EQ(MVI_OK, 0);
    EXPECT_EQ(MVI_ERROR, 1);
    EXPECT_EQ(MVI_INVALID_ARGUMENT, 2);
    EXPECT_EQ(MVI_NOT_FOUND, 3);
    EXPECT_EQ(MVI_TYPE_MISMATCH, 4);
    EXPECT_EQ(MVI_ALREADY_EXISTS, 5);
    EXPECT_EQ(MVI_BAD_STATE, 6);
    EXPECT_EQ(MVI_BUSY, 7);
}

TEST(AbiVersionTable, LogLevels) {
    EXPECT_EQ(MVI_LOG_DEBUG, 0);
    EXPECT_EQ(MVI_LOG_INFO, 1);
    EXPECT_EQ(MVI_LOG_WARNING, 2);
    EXPECT_EQ(MVI_LOG_ERROR, 3);
}

TEST(AbiVersionTable, Severities) {
    EXPECT_EQ(MVI_SEVERITY_INFO, 0);
    EXPECT_EQ(MVI_SEVERITY_WARNING, 1);
    EXPECT_EQ(MVI_SEVERITY_CRITICAL, 2);
}

TEST(AbiVersionTable, HttpMethods) {
    EXPECT_EQ(MVI_METHOD_POST, 0);
    EXPECT_EQ(MVI_METHOD_GET, 1);
    EXPECT_EQ(MVI_METHOD_PUT, 2);     // 1.5
    EXPECT_EQ(MVI_METHOD_DELETE, 3);  // 1.5
}

TEST(AbiVersionTable, SymbolNames) {
    EXPECT_EQ(std::string(MVI_PLUGIN_ABI_VERSION_SYMBOL), "mvi_plugin_abi_version");
    EXPECT_EQ(std::string(MVI_PLUGIN_REGISTER_SYMBOL), "mvi_plugin_register");
}

TEST(AbiTypes, ScalarTypesAreFixedWidth) {
    EXPECT_TRUE((std::is_same_v<mvi_status, std::int32_t>));
    EXPECT_TRUE((std::is_same_v<mvi_log_level, std::int32_t>));
    EXPECT_TRUE((std::is_same_v<mvi_severity, std::int32_t>));
    EXPECT_TRUE((std::is_same_v<mvi_http_method, std::int32_t>));
    EXPECT_TRUE((std::is_same_v<mvi_plugin_abi_version_fn, std::uint32_t (*)()>));
    EXPECT_TRUE((std::is_same_v<mvi_plugin_stop_fn, mvi_status (*)(mvi_plugin_userdata*)>));  // 1.2
    EXPECT_TRUE((std::is_same_v<decltype(mvi_host_api::get_env),
                                mvi_status (*)(mvi_host*, mvi_str, mvi_plugin_receive_fn,
                                               mvi_plugin_buffer*)>));  // 1.4
}

// A table of each earlier minor ends where the next minor's first function starts: a 1.3 plugin
// sees no get_env in a 1.3 host's table, and a 1.4 plugin checks for it before calling.
TEST(AbiLayout, HostApiHasTellsEachMinorsFunctions) {
    mvi_host_api table{};
    table.size = offsetof(mvi_host_api, get_env);  // a host of ABI 1.2 or 1.3
    EXPECT_TRUE(MVI_HOST_API_HAS(&table, set_on_stop));
    EXPECT_FALSE(MVI_HOST_API_HAS(&table, get_env));
    table.size = offsetof(mvi_host_api, add_route);  // a host of ABI 1.4
    EXPECT_TRUE(MVI_HOST_API_HAS(&table, get_env));
    EXPECT_FALSE(MVI_HOST_API_HAS(&table, add_route));
    table.size = offsetof(mvi_host_api, route_stream);  // a host of ABI 1.5
    EXPECT_TRUE(MVI_HOST_API_HAS(&table, route_answer));
    EXPECT_FALSE(MVI_HOST_API_HAS(&table, route_stream));
    table.size = sizeof(mvi_host_api);
    EXPECT_TRUE(MVI_HOST_API_HAS(&table, stream_close));
}

TEST(AbiTypes, StructsAreStandardLayout) {
    EXPECT_TRUE(std::is_standard_layout_v<mvi_str>);
    EXPECT_TRUE(std::is_standard_layout_v<mvi_entrypoint_decl>);
    EXPECT_TRUE(std::is_standard_layout_v<mvi_parameter_decl>);
    EXPECT_TRUE(std::is_standard_layout_v<mvi_notification>);
    EXPECT_TRUE(std::is_standard_layout_v<mvi_host_api>);
    EXPECT_TRUE(std::is_trivially_copyable_v<mvi_entrypoint_decl>);
    EXPECT_TRUE(std::is_trivially_copyable_v<mvi_host_api>);
}

// Sizes and offsets on LP64 (x86_64, aarch64), the platforms the host is built for.
TEST(AbiLayout, SizesOnLp64) {
    if (sizeof(void*) != 8 || sizeof(std::size_t) != 8) {
        GTEST_SKIP() << "layout table is for LP64";
    }
    EXPECT_EQ(sizeof(mvi_str), 16u);
    EXPECT_EQ(sizeof(mvi_entrypoint_decl), 120u);
    EXPECT_EQ(sizeof(mvi_parameter_decl), 64u);
    EXPECT_EQ(sizeof(mvi_notification), 56u);
    EXPECT_EQ(sizeof(mvi_timer_decl), 56u);
    EXPECT_EQ(sizeof(mvi_service_call), 72u);
    EXPECT_EQ(sizeof(mvi_host_api), 160u);
    EXPECT_EQ(sizeof(mvi_field), 32u);          // 1.5
    EXPECT_EQ(sizeof(mvi_route_request), 96u);  // 1.5
    EXPECT_EQ(sizeof(mvi_route_decl), 88u);     // 1.5
}

TEST(AbiLayout, OffsetsOnLp64) {
    if (sizeof(void*) != 8 || sizeof(std::size_t) != 8) {
        GTEST_SKIP() << "layout table is for LP64";
    }
    EXPECT_EQ(offsetof(mvi_str, data), 0u);
    EXPECT_EQ(offsetof(mvi_str, size), 8u);

    EXPECT_EQ(offsetof(mvi_entrypoint_decl, size), 0u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, name), 8u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, method), 24u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, arguments), 32u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, result_schema), 48u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, description), 64u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, handler), 80u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, userdata), 88u);
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, monitor), 96u);            // 1.1
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, timeout_seconds), 104u);   // 1.2: past 1.1's size
    EXPECT_EQ(offsetof(mvi_entrypoint_decl, strict_arguments), 112u);  // 1.3: past 1.2's size

    EXPECT_EQ(offsetof(mvi_parameter_decl, size), 0u);
    EXPECT_EQ(offsetof(mvi_parameter_decl, name), 8u);
    EXPECT_EQ(offsetof(mvi_parameter_decl, initial_value), 24u);
    EXPECT_EQ(offsetof(mvi_parameter_decl, schema), 40u);
    EXPECT_EQ(offsetof(mvi_parameter_decl, exposed), 56u);
    EXPECT_EQ(offsetof(mvi_parameter_decl, monitor), 57u);  // 1.1: in 1.0's trailing padding

    EXPECT_EQ(offsetof(mvi_timer_decl, size), 0u);
    EXPECT_EQ(offsetof(mvi_timer_decl, name), 8u);
    EXPECT_EQ(offsetof(mvi_timer_decl, interval_seconds), 24u);
    EXPECT_EQ(offsetof(mvi_timer_decl, wait_first), 32u);
    EXPECT_EQ(offsetof(mvi_timer_decl, callback), 40u);
    EXPECT_EQ(offsetof(mvi_timer_decl, userdata), 48u);

    EXPECT_EQ(offsetof(mvi_service_call, size), 0u);
    EXPECT_EQ(offsetof(mvi_service_call, service), 8u);
    EXPECT_EQ(offsetof(mvi_service_call, version), 24u);
    EXPECT_EQ(offsetof(mvi_service_call, entrypoint), 40u);
    EXPECT_EQ(offsetof(mvi_service_call, arguments), 56u);

    EXPECT_EQ(offsetof(mvi_notification, size), 0u);
    EXPECT_EQ(offsetof(mvi_notification, severity), 8u);
    EXPECT_EQ(offsetof(mvi_notification, message), 16u);
    EXPECT_EQ(offsetof(mvi_notification, emails), 32u);
    EXPECT_EQ(offsetof(mvi_notification, timer_seconds), 48u);

    EXPECT_EQ(offsetof(mvi_host_api, size), 0u);
    EXPECT_EQ(offsetof(mvi_host_api, add_entrypoint), 8u);
    EXPECT_EQ(offsetof(mvi_host_api, add_parameter), 16u);
    EXPECT_EQ(offsetof(mvi_host_api, registration_error), 24u);
    EXPECT_EQ(offsetof(mvi_host_api, call_result), 32u);
    EXPECT_EQ(offsetof(mvi_host_api, call_error), 40u);
    EXPECT_EQ(offsetof(mvi_host_api, log), 48u);
    EXPECT_EQ(offsetof(mvi_host_api, notify), 56u);
    EXPECT_EQ(offsetof(mvi_host_api, get_parameter), 64u);
    EXPECT_EQ(offsetof(mvi_host_api, set_parameter), 72u);
    EXPECT_EQ(offsetof(mvi_host_api, store), 80u);          // 1.1
    EXPECT_EQ(offsetof(mvi_host_api, call_every), 88u);     // 1.1
    EXPECT_EQ(offsetof(mvi_host_api, call_service), 96u);   // 1.1
    EXPECT_EQ(offsetof(mvi_host_api, set_on_stop), 104u);   // 1.2
    EXPECT_EQ(offsetof(mvi_host_api, get_env), 112u);       // 1.4
    EXPECT_EQ(offsetof(mvi_host_api, add_route), 120u);     // 1.5
    EXPECT_EQ(offsetof(mvi_host_api, route_answer), 128u);  // 1.5

    EXPECT_EQ(offsetof(mvi_field, name), 0u);  // 1.5
    EXPECT_EQ(offsetof(mvi_field, value), 16u);
    EXPECT_EQ(offsetof(mvi_route_request, size), 0u);
    EXPECT_EQ(offsetof(mvi_route_request, method), 8u);
    EXPECT_EQ(offsetof(mvi_route_request, path), 16u);
    EXPECT_EQ(offsetof(mvi_route_request, path_parameters), 32u);
    EXPECT_EQ(offsetof(mvi_route_request, path_parameter_count), 40u);
    EXPECT_EQ(offsetof(mvi_route_request, query), 48u);
    EXPECT_EQ(offsetof(mvi_route_request, headers), 64u);
    EXPECT_EQ(offsetof(mvi_route_request, header_count), 72u);
    EXPECT_EQ(offsetof(mvi_route_request, body), 80u);
    EXPECT_EQ(offsetof(mvi_route_decl, size), 0u);
    EXPECT_EQ(offsetof(mvi_route_decl, method), 8u);
    EXPECT_EQ(offsetof(mvi_route_decl, path), 16u);
    EXPECT_EQ(offsetof(mvi_route_decl, description), 32u);
    EXPECT_EQ(offsetof(mvi_route_decl, content_type), 48u);
    EXPECT_EQ(offsetof(mvi_route_decl, handler), 64u);
    EXPECT_EQ(offsetof(mvi_route_decl, userdata), 72u);
    EXPECT_EQ(offsetof(mvi_route_decl, timeout_seconds), 80u);
}
