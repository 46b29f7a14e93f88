#!/bin/bash
# The peers kb_speed measures beside kmemrec (kb_peers.h): LTTng 2.13 and
# bpftrace 0.17, Debian 12's packages, staged for the guest.  Run by
# bench/kernel/run.sh for the speed case:
#   bench/kernel/peers_prep.sh OUT_DIR
# builds OUT_DIR/root, a tree the guest gets as /kmr/peers (run.sh's --file):
#   usr/bin/{lttng,lttng-sessiond,bpftrace}, lttng-consumerd where the
#   session daemon looks for it; the guest copy gets their shared libraries
#   from tests/guest (kmr_stage_file, ldd);
#   lib/modules/<krel>/extra/*.ko: lttng-modules built against the headers
#   of each guest kernel (the same apt-derived ones tests/guest uses),
#   indexed with depmod so lttng-sessiond can modprobe them (libkmod);
#   lttng-na-<krel>: why LTTng cannot run on that kernel (its build's
#   first compiler errors), for the "n/a" row.
# Installs on the host (apt, once): lttng-tools, bpftrace (their binaries
# and libraries are what the guest gets) and babeltrace2 (counts LTTng's
# events on the host, speed_bench.host.sh).  lttng-modules-dkms itself is
# only downloaded and extracted: installing it would build it for the
# host's kernel through dkms.  A peer that cannot be prepared is left out;
# the benchmark still runs and prints it as n/a.
set -euo pipefail
out=${1:?usage: peers_prep.sh OUT_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../tests/guest/lib/common.sh
. "$repo/tests/guest/lib/common.sh"
# shellcheck source=../../tests/guest/lib/kernels.sh
. "$repo/tests/guest/lib/kernels.sh"
mkdir -p "$KMR_GUEST_BUILD" "$out"
out=$(cd "$out" && pwd)
# built aside and moved in at the end: a guest run staging the old tree
# meanwhile copies a whole one
final=$out/root
root=$out/root.new
rm -rf "$root"
mkdir -p "$root/usr/bin"

kmr_apt_install lttng-tools bpftrace babeltrace2 kmod binutils
for b in lttng lttng-sessiond bpftrace; do
	cp -L "/usr/bin/$b" "$root/usr/bin/"
done
libexec=usr/lib/x86_64-linux-gnu/lttng/libexec
mkdir -p "$root/$libexec"
cp -L "/$libexec/lttng-consumerd" "$root/$libexec/"
# the session daemon validates session files against it at start
mkdir -p "$root/usr/share/xml/lttng"
cp /usr/share/xml/lttng/session.xsd "$root/usr/share/xml/lttng/"

# lttng-modules' source, the version apt offers (cached by version).
ver=$(kmr_apt_candidate lttng-modules-dkms)
[ -n "$ver" ] || kmr_die "apt offers no lttng-modules-dkms"
src=$out/src-$ver
if [ ! -d "$src/x" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$src" && kmr_apt_get download "lttng-modules-dkms=$ver") >"$src/download.log" 2>&1 ||
		{ cat "$src/download.log" >&2; kmr_die "apt-get download lttng-modules-dkms failed"; }
	dpkg-deb -x "$src"/lttng-modules-dkms_*.deb "$src/x"
fi
msrc=$(echo "$src"/x/usr/src/lttng-modules-*)

# build_lttng <alias>: the modules for that kernel, or lttng-na-<krel>.
build_lttng() {
	local krel bdir
	kmr_kernel_prepare "$1"	# headers, and the image: modules.builtin
	krel=$KMR_KREL
	bdir=$out/build-$ver-$krel
	if [ -f "$bdir.na" ]; then	# failed before: don't rebuild each run
		cp "$bdir.na" "$root/lttng-na-$krel"
		return 0
	fi
	if [ ! -f "$bdir/ok" ]; then
		rm -rf "$bdir"
		cp -a "$msrc" "$bdir"
		# lttng-probe-timer does not build on 6.1.0-57 (6.1.192): the
		# hrtimer_start tracepoint's prototype changed in the stable
		# series after lttng-modules 2.13.9.  kb_speed enables no timer
		# event, and lttng-sessiond treats probe modules as optional.
		sed -i '/lttng-probe-timer.o/d' "$bdir/src/probes/Kbuild"
		kmr_log "building lttng-modules $ver for $krel"
		if make -C "$bdir" KERNELDIR="$KMR_KHDR" -j2 modules >"$bdir.log" 2>&1; then
			touch "$bdir/ok"
		else
			{ echo -n "lttng-modules $ver does not build for $krel: "
			  grep -m1 'error:' "$bdir.log" | sed "s|$bdir/||g"; } >"$bdir.na"
			kmr_log "$(cat "$bdir.na") (log: $bdir.log)"
			cp "$bdir.na" "$root/lttng-na-$krel"
			return 0
		fi
	fi
	mkdir -p "$root/lib/modules/$krel/extra"
	find "$bdir/src" -name '*.ko' -exec strip --strip-debug -o {}.s {} \; \
		-exec sh -c 'mv "$1.s" "'"$root/lib/modules/$krel/extra"'/${1##*/}"' _ {} \;
	# libkmod refuses to load an index set with an empty modules.builtin.bin
	cp "$KMR_KROOT/lib/modules/$krel"/modules.{builtin,builtin.modinfo,order} \
		"$root/lib/modules/$krel/"
	depmod -b "$root" "$krel"
}
for k in 6.1 6.12; do build_lttng "$k"; done
rm -rf "$final.old"
[ ! -d "$final" ] || mv "$final" "$final.old"
mv "$root" "$final"
rm -rf "$final.old"
du -sh "$final" >&2
