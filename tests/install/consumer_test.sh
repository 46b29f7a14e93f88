#!/bin/bash
# install.consumer: an outside project finds the installed trace library
# and links it, once with CMake (find_package(kmemrec), kmemrec::format)
# and once with pkg-config (kmemrec-format); both programs read a trace
# that kmemsynth wrote and must agree with kmemreplay on its event count.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/root/usr/local

DESTDIR=$tmp/root cmake --install "$build" --prefix /usr/local >"$tmp/log"
"$prefix/bin/kmemsynth" -n 20000 -p fork --seed 7 -q -o "$tmp/t.kmr"
want=$("$prefix/bin/kmemreplay" --json "$tmp/t.kmr" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')

# CMake: the consumer only knows the prefix.
cmake -S "$here/consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" \
	${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >"$tmp/cm.log" 2>&1 ||
	{ cat "$tmp/cm.log"; exit 1; }
cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1 || { cat "$tmp/cm.log"; exit 1; }
got=$("$tmp/cm/kmr_count" "$tmp/t.kmr")
[ "$got" = "$want" ] || { echo "find_package consumer counted $got events, kmemreplay $want" >&2; exit 1; }

# pkg-config.
export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name kmemrec-format.pc)")
ver=$("$prefix/bin/kmemrec" --version | cut -d' ' -f2)
[ "$(pkg-config --modversion kmemrec-format)" = "$ver" ] ||
	{ echo "kmemrec-format.pc says $(pkg-config --modversion kmemrec-format), kmemrec $ver" >&2; exit 1; }
# shellcheck disable=SC2046
g++ -std=c++20 -o "$tmp/pc_count" "$here/consumer/kmr_count.cpp" \
	$(pkg-config --cflags --static --libs kmemrec-format) >"$tmp/pc.log" 2>&1 ||
	{ cat "$tmp/pc.log"; exit 1; }
got=$("$tmp/pc_count" "$tmp/t.kmr")
[ "$got" = "$want" ] || { echo "pkg-config consumer counted $got events, kmemreplay $want" >&2; exit 1; }
echo "install.consumer: find_package and pkg-config consumers read $want events, as kmemreplay"
