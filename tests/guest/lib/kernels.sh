# shellcheck shell=bash
# Guest kernels: which ones, from apt, and where their images are cached.
#
# Two kernels are tested, both derived from apt every time (no version is
# hard-coded, so a point release that replaces the ABI never breaks us):
#   6.1   the ABI that linux-headers-amd64 depends on (Debian 12's own kernel)
#   6.12  the newest linux-headers-6.12.*+deb12-amd64 that has a matching
#         linux-image-6.12.*+deb12-amd64 (Debian 12's 6.12 LTS backport)
# The headers are apt-get installed (they pull linux-kbuild-*); the image is
# only apt-get downloaded and extracted into $KMR_GUEST_CACHE/<krel>_<ver>/.

# Candidate version of a package, empty if apt does not know it.
kmr_apt_candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

# Make sure the package lists know about Debian's kernels at all (a fresh
# machine may never have run apt-get update).
kmr_apt_lists_ready() {
	[ -n "$(kmr_apt_candidate linux-headers-amd64)" ] && return 0
	kmr_log "apt does not know linux-headers-amd64; running apt-get update"
	kmr_apt_get update >"$KMR_GUEST_BUILD/apt.log" 2>&1 ||
		kmr_die "apt-get update failed (log: $KMR_GUEST_BUILD/apt.log)"
	[ -n "$(kmr_apt_candidate linux-headers-amd64)" ] ||
		kmr_die "apt has no linux-headers-amd64 even after apt-get update"
}

# Print the kernel release (uname -r) for an alias: 6.1 or 6.12.
kmr_kernel_krel() {
	local alias=$1 dep krel
	case $alias in
	6.1)
		# "Depends: linux-headers-6.1.0-56-amd64 (= 6.1.192-2)"
		dep=$(apt-cache show --no-all-versions linux-headers-amd64 |
			sed -n 's/^Depends: .*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p' | head -1)
		[ -n "$dep" ] || kmr_die "cannot read the ABI linux-headers-amd64 depends on"
		echo "$dep"
		;;
	6.12)
		for krel in $(apt-cache pkgnames linux-headers-6.12. |
			sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\)$/\1/p' |
			sort -rV); do
			if [ -n "$(kmr_apt_candidate "linux-image-$krel")" ]; then
				echo "$krel"
				return 0
			fi
		done
		kmr_die "apt offers no linux-headers-6.12.*+deb12-amd64 with a matching image"
		;;
	*) kmr_die "unknown kernel '$alias' (use 6.1, 6.12 or all)" ;;
	esac
}

# Install the headers for an alias (they pull linux-kbuild-*).  Sets:
#   KMR_KREL     kernel release, e.g. 6.1.0-56-amd64
#   KMR_KPKGVER  Debian version of the image package
#   KMR_KHDR     /usr/src/linux-headers-<krel> (for make -C)
kmr_kernel_headers() {
	local alias=$1 hdrver
	kmr_apt_lists_ready
	KMR_KREL=$(kmr_kernel_krel "$alias") || exit 2
	KMR_KPKGVER=$(kmr_apt_candidate "linux-image-$KMR_KREL")
	hdrver=$(kmr_apt_candidate "linux-headers-$KMR_KREL")
	[ -n "$KMR_KPKGVER" ] || kmr_die "apt has no linux-image-$KMR_KREL"
	[ "$hdrver" = "$KMR_KPKGVER" ] ||
		kmr_log "note: linux-headers-$KMR_KREL is $hdrver but the image is $KMR_KPKGVER"

	kmr_apt_install "linux-headers-$KMR_KREL"
	KMR_KHDR=/usr/src/linux-headers-$KMR_KREL
	[ -f "$KMR_KHDR/Makefile" ] || kmr_die "$KMR_KHDR/Makefile missing after install"
}

# Headers as above, then fetch + extract the image (once).  Also sets:
#   KMR_KROOT    extracted image package (boot/, lib/modules/<krel>/)
#   KMR_VMLINUZ  the kernel image to boot
kmr_kernel_prepare() {
	local tmp deb
	kmr_kernel_headers "$1"

	KMR_KROOT=$KMR_GUEST_CACHE/${KMR_KREL}_$KMR_KPKGVER
	if [ ! -f "$KMR_KROOT/.complete" ]; then
		kmr_log "fetching linux-image-$KMR_KREL $KMR_KPKGVER into $KMR_KROOT"
		mkdir -p "$KMR_GUEST_CACHE"
		tmp=$(mktemp -d "$KMR_GUEST_CACHE/.fetch.XXXXXX")
		# apt-get download writes into the current directory.  As root it
		# warns that _apt cannot access the directory; that is harmless.
		(cd "$tmp" && kmr_apt_get download "linux-image-$KMR_KREL=$KMR_KPKGVER") \
			>"$tmp/download.log" 2>&1 ||
			{ cat "$tmp/download.log" >&2; rm -rf "$tmp"
			  kmr_die "apt-get download linux-image-$KMR_KREL failed"; }
		deb=$(echo "$tmp"/linux-image-*.deb)
		dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; kmr_die "dpkg-deb -x $deb failed"; }
		rm -rf "$KMR_KROOT"
		mv "$tmp/root" "$KMR_KROOT"
		rm -rf "$tmp"
		echo "$KMR_KREL $KMR_KPKGVER" >"$KMR_KROOT/.complete"
	fi
	KMR_VMLINUZ=$KMR_KROOT/boot/vmlinuz-$KMR_KREL
	[ -f "$KMR_VMLINUZ" ] || kmr_die "no $KMR_VMLINUZ in the image package"
}

# Print the module files (deps first, each once) needed to load the named
# modules in the extracted image, skipping modules built into the kernel.
# Works for .ko and .ko.xz/.ko.zst alike (modinfo reads both).
kmr_kmod_resolve() {
	local moddir=$KMR_KROOT/lib/modules/$KMR_KREL
	declare -A path=() visited=()
	local f n
	while read -r f; do
		n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
		path[$n]=$f
	done < <(find "$moddir/kernel" -name '*.ko*')

	_kmr_kmod_visit() {
		local name=${1//-/_} dep
		[ -n "${visited[$name]:-}" ] && return 0
		visited[$name]=1
		if [ -z "${path[$name]:-}" ]; then
			grep -q "/$name\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
			grep -q "/${name//_/-}\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
			kmr_die "module $name is neither built in nor in $moddir"
		fi
		for dep in $(modinfo -F depends "${path[$name]}" | tr ',' ' '); do
			_kmr_kmod_visit "$dep"
		done
		echo "${path[$name]}"
	}
	for n in "$@"; do _kmr_kmod_visit "$n"; done
}

# kmr_kernel_aliases <spec>: the kernels of a --kernel value, space
# separated.  "all" is what CI tests (the two stock kernels); the debug
# kernel is asked for by name because building it takes ~20 min once.
kmr_kernel_aliases() {
	local k out=""
	for k in ${1//,/ }; do
		case $k in
		all) out="$out 6.1 6.12" ;;
		6.1 | 6.12 | 6.12-debug) out="$out $k" ;;
		*) kmr_die "--kernel: unknown kernel '$k' (6.1, 6.12, 6.12-debug or all)" ;;
		esac
	done
	[ -n "$out" ] || kmr_die "--kernel needs a kernel"
	# shellcheck disable=SC2086
	printf '%s\n' $out | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

# kmr_kernel_listed <alias> <kmr-kernels value>: does the case run here?  A
# debug kernel is its base version too: "kmr-kernels: 6.12" runs on
# 6.12-debug; "kmr-kernels: 6.12-debug" runs there only.
kmr_kernel_listed() {
	local k
	for k in $2; do
		[ "$k" = "$1" ] || [ "$k" = "${1%-debug}" ] && return 0
	done
	return 1
}

# kmr_kernel_setup <alias>: the kernel image, headers and boot settings of
# one alias.  Sets what kmr_kernel_prepare sets plus
#   KMR_KMEM        default guest memory (MiB)
#   KMR_KAPPEND     kernel command line the kernel needs
#   KMR_TIME_SCALE  how much slower the kernel runs: every time limit
#                   (boot, case) is multiplied by it, and cases see it
#   KMR_KNOTE       a note for the timings ("" or "; built in Ns")
kmr_kernel_setup() {
	KMR_KNOTE=""
	case $1 in
	*-debug)
		kmr_dkernel_prepare "$1"
		KMR_KMEM=2048
		# debug_pagealloc: unmapped free pages catch use-after-free of
		# whole pages.  kasan_multi_shot: KASAN reports every bad access,
		# not only the boot's first (later cases keep their detector).
		# kmemleak is on by default in this config.
		KMR_KAPPEND="debug_pagealloc=on kasan_multi_shot"
		KMR_TIME_SCALE=4
		if [ "$KMR_DKERNEL_BUILT" = 1 ]; then
			KMR_KNOTE="; built in $(cat "$KMR_DKERNEL_DIR/build-secs")s"
		else
			KMR_KNOTE="; cached in $KMR_DKERNEL_DIR"
		fi
		;;
	*)
		kmr_kernel_prepare "$1"
		KMR_KMEM=1024 KMR_KAPPEND="" KMR_TIME_SCALE=1
		;;
	esac
}
