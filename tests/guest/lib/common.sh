# shellcheck shell=bash
# Shared host-side helpers for tests/guest: paths, logging, timing, locks.
# Sourced by run.sh, kbuild.sh and selftest.sh; defines functions only.

KMR_GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KMR_REPO=$(cd "$KMR_GUEST_DIR/../.." && pwd)
# Everything generated goes under one build directory (never into git):
# kernel images, module builds, initramfs images and run outputs.
KMR_GUEST_BUILD=${KMR_GUEST_BUILD:-$KMR_REPO/build/guest}
# Downloaded kernel images, extracted; survives across runs.
KMR_GUEST_CACHE=${KMR_GUEST_CACHE:-$KMR_GUEST_BUILD/cache}

# Under set -e a failing command ends a script without a word; say where.
set -E
trap 'kmr_rc=$?; printf "tests/guest: %s line %s: \"%s\" failed (status %s)\n" \
	"${BASH_SOURCE[0]##*/}" "$LINENO" "$BASH_COMMAND" "$kmr_rc" >&2' ERR

kmr_log() { printf '[guest %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
kmr_die() { printf 'tests/guest: error: %s\n' "$*" >&2; exit 2; }

# Seconds since the epoch with millisecond precision, for timings.
kmr_now() { date +%s.%N | cut -c1-14; }
kmr_elapsed() { awk -v a="$1" -v b="$(kmr_now)" 'BEGIN { printf "%.1f", b - a }'; }

# apt-get that waits for another engineer's apt run instead of failing.
# INITRD=No: Debian's 6.12 headers depend on the 6.12 image package, whose
# postinst would otherwise build an initramfs for the host with mkinitramfs
# (minutes, twice, and useless: the host never boots it; the guests boot
# their own busybox initramfs).  /etc/kernel/postinst.d/initramfs-tools
# honours it.
kmr_apt_get() {
	DEBIAN_FRONTEND=noninteractive INITRD=No apt-get -q -y \
		-o DPkg::Lock::Timeout=600 "$@"
}

# Install Debian packages that are not installed yet (fast no-op otherwise).
# Refreshes the package lists once if a package cannot be found.
kmr_apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	kmr_log "apt-get install ${missing[*]}"
	if ! kmr_apt_get install --no-install-recommends "${missing[@]}" \
		>"$KMR_GUEST_BUILD/apt.log" 2>&1; then
		kmr_log "apt-get install failed; running apt-get update and retrying"
		kmr_apt_get update >>"$KMR_GUEST_BUILD/apt.log" 2>&1 || true
		kmr_apt_get install --no-install-recommends "${missing[@]}" \
			>>"$KMR_GUEST_BUILD/apt.log" 2>&1 ||
			{ tail -20 "$KMR_GUEST_BUILD/apt.log" >&2
			  kmr_die "apt-get install ${missing[*]} failed (log: $KMR_GUEST_BUILD/apt.log)"; }
	fi
}

# Host tools the harness itself needs (kernel headers are installed per kernel).
kmr_host_packages() {
	kmr_apt_install qemu-system-x86 busybox-static cpio kmod xz-utils \
		make gcc pahole file util-linux coreutils tar
}
