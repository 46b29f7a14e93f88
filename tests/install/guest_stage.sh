#!/bin/bash
# Stage what the guest case install_deb needs, from deb_test.sh's OUT
# directory (the .debs and the DKMS-built modules):
#   DEST/root/          the kmemrec .deb unpacked (dpkg-deb -x): /usr/bin/...
#   DEST/modules/<krel>/kmemrec.ko         the DKMS build for <krel>, plain ELF
#                                           (busybox insmod reads no .ko.xz)
#   DEST/modules/<krel>/signed-kmemrec.ko  the same, signed with the test key
# Usage: tests/install/guest_stage.sh OUT [DEST]; DEST defaults to
# /var/tmp/kmemrec-install (the path the case's kmr-file names).
set -euo pipefail
out=$1
dest=${2:-/var/tmp/kmemrec-install}
rm -rf "$dest"
mkdir -p "$dest/root" "$dest/modules"
deb=$(ls "$out"/kmemrec_*_amd64.deb)
dpkg-deb -x "$deb" "$dest/root"
for d in "$out"/*/; do
	k=$(basename "$d")
	mkdir -p "$dest/modules/$k"
	for ko in "$d"*.ko*; do
		name=$(basename "$ko")
		case $name in
		*.ko.xz) xz -dc "$ko" >"$dest/modules/$k/${name%.xz}" ;;
		*.ko.zst) zstd -qdc "$ko" >"$dest/modules/$k/${name%.zst}" ;;
		*.ko) cp "$ko" "$dest/modules/$k/" ;;
		esac
	done
done
find "$dest" -type f | sed "s#^$dest/##" | LC_ALL=C sort
