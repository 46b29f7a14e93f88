#!/bin/bash
# The Debian packages, for real, on this machine (root; it installs and
# purges them, so it is not a ctest test; tests/run-all.sh runs it):
#
#   1. cpack builds kmemrec, kmemrec-dev and kmemrec-dkms; kmemrec's Depends
#      name Debian's runtime libraries (dpkg-shlibdeps)
#   2. installing kmemrec-dkms builds and installs the module for BOTH
#      kernels the guest harness uses (6.1 and 6.12, headers installed with
#      its helpers): `dkms status` shows both, each .ko's vermagic is its
#      kernel
#   3. sign-module.sh signs a copy of a DKMS build with a throwaway key made
#      here (never committed): modinfo shows the signature and the key's CN
#   4. the kmemrec package's tools run, man finds their pages, doctor
#      names what this machine lacks
#   5. purging both leaves nothing: no kmemrec file under /usr, /lib/modules,
#      /var/lib/dkms, and no DKMS entry
#
# Usage: tests/install/deb_test.sh BUILD [OUT]; OUT keeps the .debs and the
# DKMS-built modules (<krel>/kmemrec.ko*) for the guest install case.
set -euo pipefail
build=$(cd "$1" && pwd)
out=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/guest/lib/common.sh"
. "$root/tests/guest/lib/kernels.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { printf '[deb %s] %s\n' "$(date +%T)" "$*"; }
die() { printf 'deb_test: FAIL: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (installs packages)"
exec 9>/tmp/kmr-deb-test.lock
flock 9   # one at a time on this machine: the packages are machine-wide

leftovers() {
	{
		find /usr /lib/modules /var/lib/dkms /etc -xdev -name '*kmemrec*' 2>/dev/null
		find /usr/src -maxdepth 1 -name 'kmemrec-*' 2>/dev/null
		dkms status -m kmemrec 2>/dev/null
		dpkg-query -W -f='${Package} ${Status}\n' 'kmemrec*' 2>/dev/null | grep -v 'not-installed' || true
	} | LC_ALL=C sort -u
}
purge() { dpkg --purge kmemrec kmemrec-dev kmemrec-dkms >"$tmp/purge.log" 2>&1 || true; }
# On failure too: never leave the packages on the shared machine.
trap 'purge; rm -rf "$tmp"' EXIT
say "1. packages"
purge
[ -z "$(leftovers)" ] || die "kmemrec is already on this machine before the test: $(leftovers)"
kmr_apt_install dkms dpkg-dev
(cd "$build" && cpack -G DEB -B "$tmp/debs") >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; die "cpack"; }
ver=$(sed -n 's/^project(kmemrec VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
tools=$tmp/debs/kmemrec_${ver}_amd64.deb dkmsdeb=$tmp/debs/kmemrec-dkms_${ver}_all.deb
[ -f "$tools" ] && [ -f "$dkmsdeb" ] && [ -f "$tmp/debs/kmemrec-dev_${ver}_amd64.deb" ] ||
	die "cpack made: $(ls "$tmp/debs")"
deps=$(dpkg-deb -f "$tools" Depends)
for lib in libc6 libstdc++6 libzstd1 libxxhash0 libcapnp-; do
	[[ $deps == *"$lib"* ]] || die "kmemrec Depends lacks $lib: $deps"
done
say "kmemrec Depends: $deps"

say "2. kmemrec-dkms builds for 6.1 and 6.12"
krels=()
for k in 6.1 6.12; do
	kmr_kernel_headers "$k"
	krels+=("$KMR_KREL")
done
t0=$(date +%s)
kmr_apt_get install "$dkmsdeb" >"$tmp/dkms.log" 2>&1 || { cat "$tmp/dkms.log"; die "installing kmemrec-dkms"; }
say "kmemrec-dkms installed in $(($(date +%s) - t0)) s"
dkms status -m kmemrec | tee "$tmp/status"
for k in "${krels[@]}"; do
	grep -q "^kmemrec/$ver, $k, x86_64: installed" "$tmp/status" ||
		{ cat "$tmp/dkms.log"; die "dkms status shows no installed build for $k"; }
	ko=$(find "/lib/modules/$k/updates/dkms" -name 'kmemrec.ko*' | head -1)
	[ -n "$ko" ] || die "no kmemrec.ko* in /lib/modules/$k/updates/dkms"
	vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$vm" = "$k" ] || die "$ko has vermagic $vm, not $k"
	say "$ko: vermagic $vm"
	if [ -n "$out" ]; then
		mkdir -p "$out/$k"
		cp "$ko" "$out/$k/"
	fi
done

say "3. signing with a throwaway key"
"$root/kernel/sign-module.sh" --new-key "$tmp/key" --cn "kmemrec deb_test key $$" >/dev/null
for k in "${krels[@]}"; do
	ko=$(find "/lib/modules/$k/updates/dkms" -name 'kmemrec.ko*' | head -1)
	cp "$ko" "$tmp/"
	signed=$tmp/$(basename "$ko")
	say "$(basename "$ko") for $k as DKMS left it: signer '$(modinfo -F signer "$signed")'"
	"$root/kernel/sign-module.sh" --key "$tmp/key" "$signed" >/dev/null
	[ "$(modinfo -F signer "$signed")" = "kmemrec deb_test key $$" ] ||
		die "signer of $signed: '$(modinfo -F signer "$signed")'"
	[ "$(modinfo -F sig_hashalgo "$signed")" = sha256 ] || die "signature hash not sha256"
	[ "$(modinfo -F vermagic "$signed" | cut -d' ' -f1)" = "$k" ] || die "signing broke $signed"
	# One signature, ours (an earlier one was stripped, not kept underneath).
	plain=$tmp/plain.ko
	case $signed in *.xz) xz -dc "$signed" >"$plain" ;; *) cp "$signed" "$plain" ;; esac
	[ "$(grep -c -a '~Module signature appended~' "$plain")" = 1 ] || die "$signed has more than one signature"
	say "$(basename "$signed") for $k: signer $(modinfo -F signer "$signed")"
	[ -n "$out" ] && cp "$signed" "$out/$k/signed-$(basename "$signed")"
done

say "4. the kmemrec package"
kmr_apt_get install "$tools" >"$tmp/tools.log" 2>&1 || { cat "$tmp/tools.log"; die "installing kmemrec"; }
[ "$(/usr/bin/kmemrec --version)" = "kmemrec $ver" ] || die "kmemrec --version"
for p in kmemrec.1 kmemreplay.1 kmemfetch.1 kmemsynth.1 kmemrec.4 kmr.5; do
	man -w "${p##*.}" "${p%.*}" 2>/dev/null | grep -q "/usr/share/man/" || die "man does not find $p"
done
/usr/bin/kmemsynth -n 1000 -q -o "$tmp/s.kmr" && /usr/bin/kmemreplay "$tmp/s.kmr" >/dev/null
rc=0
/usr/bin/kmemrec doctor >"$tmp/doctor" || rc=$?
cat "$tmp/doctor"
[ $rc = 1 ] || die "doctor exited $rc on a machine that cannot load modules"
grep -q "FAIL  module" "$tmp/doctor" || die "doctor does not name the module"
[ -n "$out" ] && cp "$tmp"/debs/*.deb "$out/"

say "5. purge leaves nothing"
purge
left=$(leftovers)
[ -z "$left" ] || die "left behind after purge: $left"
say "deb_test: all passed"
