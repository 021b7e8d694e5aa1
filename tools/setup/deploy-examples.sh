#!/usr/bin/env bash
# Deploys the built example services into a plugins folder by hand, as a person would: each
# `<name>_<version>.so`, and the static files an example ships as `<name>_<version>/assets/`.
#   deploy-examples.sh MANIFEST PLUGINS_DIR [NAME...]
# MANIFEST is `<build>/plugins/examples.txt`, written by CMake: one line per example,
# `<built .so> <name>_<version>.so [<assets folder>]`. With NAMEs, only those examples.
#
# Nothing the host could see half-written: a .so is copied under a hidden name, then renamed; an
# assets folder is copied into a hidden folder beside it, then renamed into place (an older one is
# renamed away first and deleted after). The assets go before the .so, so a version never serves
# without its files. What is already deployed unchanged is left alone.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 MANIFEST PLUGINS_DIR [NAME...]" >&2
    exit 2
fi
manifest=$1
plugins=$2
shift 2

wanted() {
    [ $# -eq 1 ] && return 0
    local name=$1
    shift
    local each
    for each in "$@"; do
        [ "$each" = "$name" ] && return 0
    done
    return 1
}

# deploy_assets SOURCE FOLDER: SOURCE's files as FOLDER/assets.
deploy_assets() {
    local source=$1 folder=$2
    if [ -L "$folder/assets" ]; then
        echo "$folder/assets is a symbolic link: left as it is" >&2
        return 0
    fi
    if [ -d "$folder/assets" ] && diff -r -q "$source" "$folder/assets" >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p "$folder"
    rm -rf "$folder/.assets.tmp" "$folder/.assets.old"
    cp -R "$source" "$folder/.assets.tmp"
    if [ -e "$folder/assets" ]; then
        mv "$folder/assets" "$folder/.assets.old"
    fi
    mv "$folder/.assets.tmp" "$folder/assets"
    rm -rf "$folder/.assets.old"
}

mkdir -p "$plugins"
while read -r built file assets; do
    [ -n "$built" ] || continue
    wanted "${file%_*}" "$@" || continue
    if [ -n "$assets" ]; then
        deploy_assets "$assets" "$plugins/${file%.so}"
    fi
    if ! cmp -s "$built" "$plugins/$file"; then
        cp "$built" "$plugins/.$file.tmp"
        mv "$plugins/.$file.tmp" "$plugins/$file"
    fi
done < "$manifest"
