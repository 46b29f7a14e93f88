# shellcheck shell=bash
# The debug guest kernel ("6.12-debug"): Debian's own 6.12 source (the
# linux-source-6.12 package) built with KASAN, KFENCE, lockdep, PROVE_RCU,
# DEBUG_VM, DEBUG_LIST, DEBUG_PAGEALLOC, KMEMLEAK and what kmemrec.ko needs,
# from a small config (x86_64_defconfig + kvm_guest.config +
# debugkernel/6.12-debug.config) so that it builds in about 20 min on 2
# cores.
#
# The build is cached outside the clone, keyed by a hash of everything that
# decides its result (source package version, config fragment, compiler,
# recipe version), so a second run on the same machine costs nothing:
#   $KMR_DEBUG_KERNEL_CACHE (default /var/cache/kmemrec when writable, else
#   ~/.cache/kmemrec)/kernel-6.12-debug-<key>/
#     src/     the extracted source        obj/   the O= build tree (module
#     root/    boot/vmlinuz-<krel> and             builds run make -C obj M=)
#              lib/modules/<krel>/         build.log, build-secs, .complete

# Bump when the recipe below changes in a way the key does not see.
KMR_DKERNEL_RECIPE=1

kmr_dkernel_cache_root() {
	local d=${KMR_DEBUG_KERNEL_CACHE:-}
	if [ -z "$d" ]; then
		if mkdir -p /var/cache/kmemrec 2>/dev/null && [ -w /var/cache/kmemrec ]; then
			d=/var/cache/kmemrec
		else
			d=${XDG_CACHE_HOME:-$HOME/.cache}/kmemrec
		fi
	fi
	mkdir -p "$d" || kmr_die "cannot create the debug kernel cache $d"
	echo "$d"
}

# kmr_dkernel_prepare <alias>  (only 6.12-debug exists)
# Builds or reuses the kernel.  Sets the same variables kmr_kernel_prepare
# does (KMR_KREL, KMR_KPKGVER, KMR_KHDR, KMR_KROOT, KMR_VMLINUZ) plus
# KMR_DKERNEL_DIR and KMR_DKERNEL_BUILT (1 when this call built it).
kmr_dkernel_prepare() {
	local alias=$1 base pkg tarball frag key dir cache t0 secs lock
	[ "$alias" = 6.12-debug ] || kmr_die "unknown debug kernel '$alias'"
	base=${alias%-debug}
	pkg=linux-source-$base
	frag=$KMR_GUEST_DIR/debugkernel/$alias.config
	[ -f "$frag" ] || kmr_die "no config fragment $frag"
	kmr_apt_lists_ready
	kmr_apt_install "$pkg" bc bison flex libelf-dev libssl-dev cpio xz-utils make gcc
	KMR_KPKGVER=$(dpkg-query -W -f='${Version}' "$pkg")
	tarball=/usr/src/$pkg.tar.xz
	[ -f "$tarball" ] || kmr_die "$pkg is installed but $tarball is missing"

	key=$( { echo "recipe $KMR_DKERNEL_RECIPE"; echo "$pkg $KMR_KPKGVER"
		gcc --version | head -1; ld --version | head -1
		cat "$frag"; } | sha256sum | cut -c1-12)
	cache=$(kmr_dkernel_cache_root)
	dir=$cache/kernel-$alias-$key
	KMR_DKERNEL_DIR=$dir
	KMR_DKERNEL_BUILT=0

	# Two runs on one machine must not build the same tree at once: the
	# second waits for the first and then reuses its result.
	lock=$cache/.kernel-$alias-$key.lock
	exec {dk_fd}>"$lock"
	if ! flock -n "$dk_fd"; then
		kmr_log "another run is building $dir; waiting for it"
		flock "$dk_fd"
	fi
	if [ ! -f "$dir/.complete" ]; then
		t0=$(date +%s)
		kmr_log "building the $alias kernel from $pkg $KMR_KPKGVER into $dir" \
			"(about 20 min on 2 cores; log: $dir/build.log)"
		# A build that was interrupted (a killed run, a reboot) keeps its
		# extracted source and objects: make resumes where it stopped
		# instead of starting the ~40 CPU-minutes again.
		if [ ! -f "$dir/.extracted" ]; then
			rm -rf "$dir"
			mkdir -p "$dir/src" "$dir/obj" "$dir/root/boot"
			tar -xJf "$tarball" -C "$dir/src" --strip-components=1 ||
				{ flock -u "$dk_fd"; kmr_die "extracting $tarball failed"; }
			touch "$dir/.extracted"
		else
			kmr_log "resuming the interrupted build in $dir"
			mv -f "$dir/build.log" "$dir/build.log.old" 2>/dev/null || true
		fi
		if ! kmr_dkernel_build "$dir" "$frag" >"$dir/build.log" 2>&1; then
			tail -40 "$dir/build.log" >&2
			flock -u "$dk_fd"
			kmr_die "the $alias kernel did not build (log: $dir/build.log)"
		fi
		secs=$(( $(date +%s) - t0 ))
		echo "$secs" >"$dir/build-secs"
		KMR_DKERNEL_BUILT=1
		kmr_log "built the $alias kernel in ${secs}s ($(grep '^kmr-build-time:' "$dir/build.log" |
			awk '{ printf "make: %.0f s wall, %.0f s CPU", $3, $5 + $7 }'))"
		touch "$dir/.complete"
	fi
	flock -u "$dk_fd"
	exec {dk_fd}>&-

	KMR_KREL=$(cat "$dir/krel")
	KMR_KHDR=$dir/obj
	KMR_KROOT=$dir/root
	KMR_VMLINUZ=$dir/root/boot/vmlinuz-$KMR_KREL
	[ -f "$KMR_VMLINUZ" ] || kmr_die "no $KMR_VMLINUZ in the debug kernel cache"
}

# kmr_dkernel_build <dir> <fragment>: configure, check, build, install.
# Output goes to the caller's log.
kmr_dkernel_build() {
	local dir=$1 frag=$2 src=$1/src obj=$1/obj opt want got bad=0 krel
	# Called from an if: set -e does not apply here, so every step says
	# "|| return 1".
	make -C "$src" O="$obj" x86_64_defconfig || return 1
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$src/kernel/configs/kvm_guest.config" "$frag" || return 1
	make -C "$src" O="$obj" olddefconfig || return 1
	# Every option the fragment asks for must have survived olddefconfig.
	while IFS= read -r opt; do
		case $opt in
		CONFIG_*=* | "# CONFIG_"*" is not set") want=$opt ;;
		*) continue ;;
		esac
		if [[ $want == "# "* ]]; then
			got=${want#\# }; got=${got%% *}
			! grep -q "^$got=" "$obj/.config" ||
				{ echo "config: $got is set, the fragment wants it off"; bad=1; }
		elif ! grep -qxF "$want" "$obj/.config"; then
			echo "config: wanted $want, got: $(grep "^${want%%=*}=" "$obj/.config" || echo "not set")"
			bad=1
		fi
	done <"$frag"
	[ $bad = 0 ] || { echo "config: the fragment's options did not all survive olddefconfig"; return 1; }
	# CPU time as well as wall time: on a shared machine the wall time says
	# more about the neighbours than about the build.
	local TIMEFORMAT='kmr-build-time: real %R user %U sys %S'
	time make -C "$src" O="$obj" -j"${KMR_DKERNEL_JOBS:-2}" bzImage modules || return 1
	krel=$(make -s -C "$src" O="$obj" kernelrelease | tail -1) || return 1
	make -C "$src" O="$obj" INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 \
		DEPMOD=/sbin/depmod modules_install || return 1
	cp "$obj/arch/x86/boot/bzImage" "$dir/root/boot/vmlinuz-$krel" || return 1
	cp "$obj/System.map" "$dir/root/boot/System.map-$krel" || return 1
	cp "$obj/.config" "$dir/root/boot/config-$krel" || return 1
	echo "$krel" >"$dir/krel"
}
