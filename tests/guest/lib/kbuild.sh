# shellcheck shell=bash
# Build an out-of-tree module against one kernel's headers with W=1 and fail
# on any compiler or modpost warning.
#
# Kbuild refuses out-of-tree builds in a separate output directory, so the
# source directory is copied into the build tree first.  The copy is rebuilt
# from scratch every time the sources change: an incremental build would not
# recompile an unchanged file and would hide its warnings.  A build is reused
# only when the same sources already built warning-free for the same kernel.

# kmr_kbuild <srcdir> <krel> <builddir> [kernel build dir]
# Builds into <builddir>/src, log in <builddir>/build.log.  Prints the built
# .ko paths on stdout.  Returns 1 (after printing the log) on error/warning.
# The kernel build dir defaults to Debian's /usr/src/linux-headers-<krel>;
# the debug kernel passes its own O= tree.
#
# Two guest runs from one checkout share <builddir>: one builds it at a
# time (a second run's rm -rf under the first one's make failed a build),
# and the second then finds the first one's build ready.
kmr_kbuild() {
	local fd rc=0

	mkdir -p "${3%/*}"
	exec {fd}>"${3%/*}/.${3##*/}.lock"
	flock "$fd"
	kmr_kbuild_locked "$@" || rc=$?
	exec {fd}>&-
	return "$rc"
}

kmr_kbuild_locked() {
	local src=$1 krel=$2 bdir=$3 khdr=${4:-/usr/src/linux-headers-$2} key
	[ -f "$khdr/Makefile" ] || { kmr_log "no headers at $khdr"; return 1; }
	[ -f "$src/Kbuild" ] || [ -f "$src/Makefile" ] || { kmr_log "no Kbuild in $src"; return 1; }
	# The kernel's .config and exported symbols are part of the key: a
	# rebuilt debug kernel keeps its release string but not its ABI.
	key=$( { echo "$krel"; gcc --version | head -1
		cat "$khdr/.config" "$khdr/Module.symvers" 2>/dev/null | sha256sum
		(cd "$src" && find . -type f ! -name '*.o' ! -name '*.ko' -print0 |
			LC_ALL=C sort -z | xargs -0 sha256sum); } | sha256sum | cut -c1-16)
	if [ -f "$bdir/ok" ] && [ "$(cat "$bdir/ok")" = "$key" ]; then
		find "$bdir/src" -name '*.ko' | sort
		return 0
	fi
	rm -rf "$bdir"
	mkdir -p "$bdir"
	cp -a "$src" "$bdir/src"
	# Leftover objects from someone's in-tree build would be reused: drop them.
	find "$bdir/src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
		-o -name modules.order -o -name Module.symvers \) -delete
	if ! make -C "$khdr" M="$bdir/src" W=1 -j2 modules >"$bdir/build.log" 2>&1; then
		cat "$bdir/build.log" >&2
		kmr_log "module build of $src for $krel FAILED (log: $bdir/build.log)"
		return 1
	fi
	# gcc "warning:", ld "warning:", modpost "WARNING:", and "error:" that
	# make tolerated.  "Skipping BTF generation" is informational.
	if grep -Eiq '(^|[^a-z])(warning|error):' "$bdir/build.log"; then
		grep -Ei -B2 -A4 '(^|[^a-z])(warning|error):' "$bdir/build.log" >&2
		kmr_log "module build of $src for $krel has warnings (W=1 must be clean; log: $bdir/build.log)"
		return 1
	fi
	if [ -z "$(find "$bdir/src" -name '*.ko')" ]; then
		kmr_log "module build of $src for $krel produced no .ko"
		return 1
	fi
	echo "$key" >"$bdir/ok"
	find "$bdir/src" -name '*.ko' | sort
}
