#!/bin/sh
# Checks every built plugin listed in a file (one path per line): each must be a readable ELF
# shared object that exports mvi_plugin_abi_version, defines no other dynamic symbol than
# mvi_plugin_abi_version and mvi_plugin_register, and has no STB_GNU_UNIQUE symbol (which would
# keep it loaded for ever). Fails when the list is empty or a listed file is missing.
#
# usage: check_plugin_exports.sh <readelf> <list-file>
set -u

readelf=$1
list=$2

if [ ! -r "$list" ]; then
    echo "FAIL: plugin list $list is missing" >&2
    exit 1
fi

checked=0
failed=0
while IFS= read -r plugin || [ -n "$plugin" ]; do
    [ -z "$plugin" ] && continue
    checked=$((checked + 1))
    if [ ! -f "$plugin" ]; then
        echo "FAIL: $plugin: file is missing (not built?)" >&2
        failed=1
        continue
    fi
    if ! symbols=$(LC_ALL=C "$readelf" --dyn-syms -W "$plugin" 2>&1); then
        echo "FAIL: $plugin: readelf failed: $symbols" >&2
        failed=1
        continue
    fi
    # Columns: Num: Value Size Type Bind Vis [extra visibility bits] Ndx Name
    problems=$(printf '%s\n' "$symbols" | awk '
        $1 ~ /^[0-9]+:$/ {
            bind = $5
            i = 7
            if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            ndx = $i
            name = (i + 1 <= NF) ? $(i + 1) : ""
            sub(/@.*/, "", name)
            if (bind == "UNIQUE") {
                print "UNIQUE symbol " name
            } else if ((bind == "GLOBAL" || bind == "WEAK") && ndx != "UND") {
                if (name == "mvi_plugin_abi_version") {
                    found = 1
                } else if (name != "mvi_plugin_register") {
                    print "exports " name
                }
            }
        }
        END { if (!found) print "does not export mvi_plugin_abi_version" }')
    if [ -n "$problems" ]; then
        printf '%s\n' "$problems" | sed "s|^|FAIL: $plugin: |" >&2
        failed=1
    else
        echo "ok: $plugin"
    fi
done < "$list"

if [ "$checked" -eq 0 ]; then
    echo "FAIL: no plugin listed in $list" >&2
    exit 1
fi
if [ "$failed" -ne 0 ]; then
    exit 1
fi
echo "$checked plugins checked"
