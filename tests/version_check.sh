#!/bin/sh
# version_check.sh VERSION DKMS_CONF [TOOL...]
# One version everywhere: kernel/dkms.conf's PACKAGE_VERSION and every
# tool's --version ("<tool> VERSION") are project(VERSION) of the top
# CMakeLists.txt.
set -u
version=$1 dkms=$2
shift 2
fail=0
got=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dkms")
[ "$got" = "$version" ] || { echo "FAIL: $dkms says PACKAGE_VERSION=\"$got\", the project is $version"; fail=1; }
for tool in "$@"; do
	name=${tool##*/}
	out=$("$tool" --version 2>&1 | head -n1)
	[ "$out" = "$name $version" ] || { echo "FAIL: $name --version printed '$out', expected '$name $version'"; fail=1; }
done
[ $fail = 0 ] && echo "version $version everywhere ($# tools, dkms.conf)"
exit $fail
