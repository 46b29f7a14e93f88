#!/bin/bash
# install.manifest: `cmake --install BUILD --prefix /usr/local` into a
# DESTDIR writes exactly the files of tests/install/manifest.txt (no more,
# no fewer), the tools run from there, and the dkms component (not part of a
# plain install) holds the module source with dkms.conf at its top.
# KMR_UPDATE_GOLDEN=1 rewrites the manifest.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

DESTDIR=$tmp/root cmake --install "$build" --prefix /usr/local >"$tmp/log"
# (The exported targets' per-configuration file is named after the build type.)
(cd "$tmp/root" && find . \( -type f -o -type l \) | sed 's#^\./#/#' |
	sed 's#kmemrecTargets-[a-z]*\.cmake$#kmemrecTargets-<config>.cmake#' | LC_ALL=C sort) >"$tmp/got"
if [ "${KMR_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$tmp/got" "$here/manifest.txt"
	exit 0
fi
diff -u "$here/manifest.txt" "$tmp/got" || {
	echo "install.manifest: the installed files differ from tests/install/manifest.txt (- expected, + installed)" >&2
	exit 1
}
# The installed tools are the built ones, and run.
for t in kmemrec kmemreplay kmemfetch kmemsynth; do
	"$tmp/root/usr/local/bin/$t" --help >/dev/null
done
"$tmp/root/usr/local/bin/kmemrec" --version | grep -qx "kmemrec $(sed -n 's/^project(kmemrec VERSION \([0-9.]*\).*/\1/p' "$here/../../CMakeLists.txt")"
# Nothing is installed executable that should not be, and the reverse.
for f in $(cd "$tmp/root" && find . -type f -perm -u+x); do
	case $f in
	./usr/local/bin/* | ./usr/local/share/kmemrec/sign-module.sh) ;;
	*) echo "install.manifest: $f is executable" >&2; exit 1 ;;
	esac
done

# The DKMS component: the module's source as DKMS wants it.
DESTDIR=$tmp/dkms cmake --install "$build" --prefix /usr --component dkms >"$tmp/log"
src=$(echo "$tmp"/dkms/usr/src/kmemrec-*)
[ -f "$src/dkms.conf" ] && [ -f "$src/Kbuild" ] && [ -f "$src/main.c" ] &&
	[ -f "$src/include/uapi/kmemrec/abi.h" ] && [ -x "$src/sign-module.sh" ] || {
	echo "install.manifest: the dkms component lacks the module source: $(ls "$src")" >&2
	exit 1
}
grep -q "PACKAGE_VERSION=\"${src##*-}\"" "$src/dkms.conf"
# Every tracked source file of kernel/ is there, and nothing else.
(cd "$here/../../kernel" && git ls-files | grep -E '(\.[ch]|/?Kbuild|/?Makefile|\.mk|dkms\.conf|sign-module\.sh)$' |
	LC_ALL=C sort) >"$tmp/ksrc"
(cd "$src" && find . -type f | sed 's#^\./##' | LC_ALL=C sort) >"$tmp/kgot"
diff -u "$tmp/ksrc" "$tmp/kgot" || { echo "install.manifest: dkms source differs from kernel/'s tracked sources" >&2; exit 1; }
echo "install.manifest: $(wc -l <"$tmp/got") files as listed; dkms source complete"
