#!/bin/sh
# Installs the build into a fresh prefix and uses it as a service developer would, outside this
# repository:
#   1. `cmake --install` puts the host, the CLI, the SDK, the CMake package and the configuration
#      under the prefix;
#   2. `mvi init PATH --name NAME` creates a project, whose service.cpp is the tutorial's hello
#      service; `mvi init PATH` asks for the name on stdin; an existing project is refused;
#   3. the project, unedited, configures against the installed package (find_package(mvi) from
#      CMAKE_PREFIX_PATH), builds without a warning, and its unit tests pass;
#   4. the built plugin exports only the two ABI symbols and no UNIQUE symbol;
#   5. the installed mvi-host, with the installed configuration, serves the plugin over HTTP.
#
# usage: check_install.sh <cmake> <ctest> <readelf> <curl> <c++ compiler> <build dir> <source dir>
set -eu

cmake=$1
ctest=$2
readelf=$3
curl=$4
cxx=$5
build=$6
source=$7

. "$source/tests/support/shell_checks.sh"
begin_work mvi-install-test

prefix=$work/prefix
projects=$work/projects
name=my_first_mvi_project
project=$projects/$name

echo "== cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" ||
    { cat "$work/install.log" >&2; fail "cmake --install failed"; }
for file in bin/mvi-host bin/mvi include/mvi/plugin.h include/mvi/service.hpp \
    include/mvi/testing.hpp share/mvi/cmake/mviConfig.cmake \
    share/mvi/cmake/mviConfigVersion.cmake share/mvi/cmake/mviTargets.cmake \
    share/mvi/cmake/MviPlugin.cmake share/mvi/mvi_plugin.map etc/mvi/mvi-host.properties \
    share/mvi/docs/swagger-ui-bundle.js share/mvi/docs/swagger-ui.css; do
    [ -f "$prefix/$file" ] || fail "$file was not installed"
done
mvi=$prefix/bin/mvi

echo "== mvi init $projects --name $name"
"$mvi" init "$projects" --name "$name" || fail "mvi init exited with $?"
for file in service.cpp CMakeLists.txt README.md tests/test_service.cpp; do
    [ -f "$project/$file" ] || fail "mvi init did not write $file"
done
# service.cpp is plugins/hello/hello.cpp apart from its first comment line.
tail -n +2 "$project/service.cpp" >"$work/service.body"
tail -n +2 "$source/plugins/hello/hello.cpp" >"$work/hello.body"
cmp -s "$work/service.body" "$work/hello.body" ||
    fail "service.cpp differs from plugins/hello/hello.cpp: $(diff "$work/hello.body" "$work/service.body")"

echo "== mvi init with the name typed at the prompt"
printf 'my_project\n' | "$mvi" init "$work/prompted" >"$work/prompt.out" ||
    fail "mvi init with a typed name exited with $?"
grep -q 'project_name \[my_project\]: ' "$work/prompt.out" || fail "no prompt: $(cat "$work/prompt.out")"
[ -f "$work/prompted/my_project/service.cpp" ] || fail "the prompted project was not created"

echo "== mvi init refuses an existing project"
cp "$project/service.cpp" "$work/service.before"
if "$mvi" init "$projects" --name "$name" 2>"$work/refused.err"; then
    fail "mvi init overwrote an existing project"
fi
grep -q 'already exists' "$work/refused.err" || fail "unclear refusal: $(cat "$work/refused.err")"
cmp -s "$project/service.cpp" "$work/service.before" || fail "the refused init changed service.cpp"

echo "== configure, build and test the generated project"
# With the project's own warnings as errors, so the templates stay warning-free.
"$cmake" -S "$project" -B "$project/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Wshadow -Werror" \
    >"$work/configure.log" ||
    { cat "$work/configure.log" >&2; fail "the generated project does not configure"; }
grep -qx "mvi_DIR:PATH=$prefix/share/mvi/cmake" "$project/build/CMakeCache.txt" ||
    fail "find_package(mvi) did not use the installed package: $(grep '^mvi_DIR' "$project/build/CMakeCache.txt")"
"$cmake" --build "$project/build" -j2 >"$work/build.log" ||
    { cat "$work/build.log" >&2; fail "the generated project does not build"; }
"$ctest" --test-dir "$project/build" --output-on-failure >"$work/ctest.log" ||
    { cat "$work/ctest.log" >&2; fail "the generated project's tests fail"; }
grep -q '100% tests passed' "$work/ctest.log" || fail "unexpected ctest output: $(cat "$work/ctest.log")"
tail -n 3 "$work/ctest.log"

echo "== symbols of the built plugin"
plugin=$project/build/$name.so
printf '%s\n' "$plugin" >"$work/plugins.txt"
sh "$source/tests/abi/check_plugin_exports.sh" "$readelf" "$work/plugins.txt"

echo "== the installed mvi-host serves the plugin"
mkdir -p "$work/host/plugins" "$work/host/data"
cp "$plugin" "$work/host/plugins/${name}_1.0.0.so"
"$prefix/bin/mvi-host" --config "$prefix/etc/mvi/mvi-host.properties" --port 0 \
    --plugins-dir "$work/host/plugins" --data-dir "$work/host/data" >"$work/host.log" 2>&1 &
host_pid=$!
# Wait for the line that gives the port, then (up to 60 s) for the service's answer.
wait_for_url "$work/host.log"
answer=
attempts=0
while [ "$answer" != '"Hello Bob"' ]; do
    answer=$("$curl" -s -X POST "$url/services/$name/hello" -H 'Content-Type: application/json' \
        -d '{"name": "Bob"}' || true)
    attempts=$((attempts + 1))
    [ "$attempts" -le 600 ] || { cat "$work/host.log" >&2; fail "the service answered $answer"; }
    [ "$answer" = '"Hello Bob"' ] || sleep 0.1
done
echo "POST $url/services/$name/hello {\"name\": \"Bob\"} -> $answer"

echo "install test passed"
