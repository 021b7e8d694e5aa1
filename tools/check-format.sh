#!/usr/bin/env bash
# Fails when a C or C++ source of the project is not formatted by the root .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null ||
                     find host plugin_api plugins tests tools -name '*.[ch]' -o -name '*.[ch]pp')
if ((${#files[@]} == 0)); then
    echo "check-format: no sources found" >&2
    exit 1
fi
clang-format --dry-run -Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted"
