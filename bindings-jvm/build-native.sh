#!/usr/bin/env bash
# Builds libvigil_uniffi (cargo, in the workspace's one target directory), generates its Kotlin
# bindings with the workspace's own uniffi-bindgen, and stages the library, stripped of debug
# info, where JNA finds it on the classpath (linux-x86-64/). Called by the sdk module's build.
#   build-native.sh <debug|release> <generated-sources dir> <native resources dir>
set -euo pipefail
profile=$1 sources=$2 resources=$3
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cd "$root"
# `make test` passes the workspace-wide selection it builds everything with
# (VIGIL_CARGO_ARGS), so features unify as in its other builds and nothing compiles twice.
# shellcheck disable=SC2086
cargo build -q ${VIGIL_CARGO_ARGS:--p vigil-uniffi -p vigil-uniffi-bindgen}
[[ $profile == release ]] && cargo build -q --release -p vigil-uniffi
lib=$target/$profile/libvigil_uniffi.so
rm -rf "$sources" && mkdir -p "$sources" "$resources/linux-x86-64"
"$target/debug/uniffi-bindgen" generate --no-format --library "$lib" --language kotlin \
    --out-dir "$sources" >/dev/null
strip --strip-debug -o "$resources/linux-x86-64/libvigil_uniffi.so" "$lib"
