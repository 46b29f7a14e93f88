# Helpers for guest case scripts (busybox ash).  Installed as /kmr/lib/kmr.sh
# and sourced by init before each case, so cases call these directly.  The
# other libraries beside it (lib/guest/*.sh, installed in /kmr/lib/) are for
# the cases that source them.
#
# A case passes when it exits 0, is skipped on exit 77, fails otherwise.
# Cases run with `set -e`: an unchecked failing command fails the case.
# Environment: KMR_CASE (name), KMR_OUT (cwd; every file left here comes back
# to the host), KMR_KERNEL (6.1 | 6.12 | 6.12-debug), KMR_KREL (uname -r),
# KMR_MODULES (/kmr/modules: kmemrec.ko, kmr_smoke.ko), KMR_FILES (/kmr/files),
# KMR_TIME_SCALE (how much slower this kernel runs than a stock one: 1, or
# 4 on the debug kernel; the harness already scaled kmr-timeout by it).

KMR_MODULES=/kmr/modules
KMR_FILES=/kmr/files
export KMR_MODULES KMR_FILES

# kmr_fail <message>: fail the case now with a one-line reason.
kmr_fail() {
	echo "FAIL: $*"
	echo "$*" >"$KMR_OUT/.kmr-reason"
	exit 1
}

# kmr_skip <message>: skip the case (exit 77) with a one-line reason.
kmr_skip() {
	echo "SKIP: $*"
	echo "$*" >"$KMR_OUT/.kmr-reason"
	exit 77
}

# kmr_note <message>: a line in the case log (and on the console).
kmr_note() { echo "note: $*"; }

# assert_eq <actual> <expected> [what]
assert_eq() {
	[ "$1" = "$2" ] || kmr_fail "${3:-value}: expected '$2', got '$1'"
}

# assert_ne <actual> <unexpected> [what]
assert_ne() {
	[ "$1" != "$2" ] || kmr_fail "${3:-value}: must not be '$2'"
}

# assert_ge <actual> <min> [what]   (integers)
assert_ge() {
	[ "$1" -ge "$2" ] 2>/dev/null || kmr_fail "${3:-value}: expected >= $2, got '$1'"
}

# assert_match <string> <extended regex> [what]
assert_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || kmr_fail "${3:-value}: '$1' does not match /$2/"
}

# assert_ok <command...>: the command must exit 0 (its output is logged).
assert_ok() {
	"$@" || kmr_fail "command failed (exit $?): $*"
}

# assert_fails <command...>: the command must exit non-zero.
assert_fails() {
	if "$@"; then kmr_fail "command unexpectedly succeeded: $*"; fi
}

# assert_file <path>: the file exists and is not empty.
assert_file() {
	[ -s "$1" ] || kmr_fail "file missing or empty: $1"
}

# assert_grep <extended regex> <file> [what]: the file must contain a match.
assert_grep() {
	grep -Eq -- "$1" "$2" || kmr_fail "${3:-$2}: no line matches /$1/"
}

# kmr_dmesg_has <extended regex>: kernel log (since this case began) matches.
kmr_dmesg_has() { dmesg | grep -Eq -- "$1"; }

# kmr_module_loaded <name>
kmr_module_loaded() { lsmod | grep -q "^$1 "; }

# kmr_insmod <name> [param=value...]: load /kmr/modules/<name>.ko or fail.
kmr_insmod() {
	_m=$1
	shift
	insmod "$KMR_MODULES/$_m.ko" "$@" || kmr_fail "insmod $_m $* failed"
	kmr_module_loaded "$_m" || kmr_fail "$_m not in lsmod after insmod"
	kmr_modsyms "$_m"
}

# kmr_modsyms <name>: remember a loaded module's text symbols in
# /tmp/kmr-modsyms ("addr name [module]"), so that init can name a kmemleak
# backtrace frame in it after the module is gone (kmemleak prints a frame of
# an unloaded module as a bare address).  Only on debug kernels.
kmr_modsyms() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	awk -v m="[$1]" '$4 == m && $2 ~ /^[tT]$/ && $1 !~ /^0+$/ { print $1, $3, $4 }' \
		/proc/kallsyms >>/tmp/kmr-modsyms 2>/dev/null || true
}

# kmr_rmmod <name>: unload or fail.
kmr_rmmod() {
	rmmod "$1" || kmr_fail "rmmod $1 failed"
	! kmr_module_loaded "$1" || kmr_fail "$1 still in lsmod after rmmod"
}

# kmr_require_cpus <n>: skip unless the guest has at least n CPUs.
kmr_require_cpus() {
	[ "$(nproc)" -ge "$1" ] || kmr_skip "needs $1 CPUs, guest has $(nproc)"
}

# kmr_require_file <path>: fail (not skip: a missing input is a harness or
# build error) unless the file exists.
kmr_require_file() {
	[ -e "$1" ] || kmr_fail "required file missing in the guest: $1"
}

# kmr_keep <path...>: copy files into $KMR_OUT so they reach the host.
kmr_keep() { cp -a "$@" "$KMR_OUT/"; }

# kmr_uptime: seconds since boot (CLOCK_BOOTTIME, 10 ms resolution).
kmr_uptime() { cut -d' ' -f1 /proc/uptime; }

# kmr_scaled <seconds>: a time limit scaled for this kernel (KMR_TIME_SCALE).
# Use it for every wait a case gives up on, so a debug kernel or a loaded
# host does not turn slowness into failures.
kmr_scaled() { echo $(($1 * ${KMR_TIME_SCALE:-1})); }

# kmr_wait_line FILE ERE [SECONDS]: wait until FILE has a line matching ERE
# (grep -E), at most SECONDS (default 10, scaled by kmr_scaled); 1 when it
# never came.  The one way a case waits for a program's output.
kmr_wait_line() {
	_kwl_n=$(( $(kmr_scaled "${3:-10}") * 20 ))
	while [ "$_kwl_n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		_kwl_n=$((_kwl_n - 1))
	done
	return 1
}

# kmr_debug_kernel: true on a debug kernel (KASAN, lockdep, kmemleak...).
kmr_debug_kernel() { case $KMR_KERNEL in *-debug) return 0 ;; esac; return 1; }

# kmr_hold_hooks: keep kmemrec's hooks registered until kmr_release_hooks
# (or the case's end).  Starts an idle process and kmr-hold, which attaches
# one session to it: the module registers its kprobes, ftrace_ops and
# tracepoints now, once, and keeps them while any session lives, so the
# sessions a race case creates and ends afterwards never patch kernel text.
# Race cases on multi-threaded TCG (kmr-mttcg: 1) must call this before the
# race: QEMU may run stale code on one vCPU after another patched it
# (docs/kernel-hooks.md section 9).  Sets KMR_HOLD_PID and KMR_HOLD_TARGET.
# It also sets the module's hook_linger_ms to its maximum, so the hooks stay
# registered after the hold, until the module is unloaded: otherwise they
# would be unregistered (kernel text patched again) 2 s after one race case
# ends, while the next case's shell runs on the other vCPU.  On 2026-12-03
# that was an "Oops: int3" at trace_signal_deliver+0x9 on the debug kernel
# (the stale int3 of the signal_deliver tracepoint's static branch, which
# memory had already replaced), between khostile_ctlpage_progress and
# krace_exit.  Only race cases call this, and they run in boots of their own.
kmr_hold_hooks() {
	command -v kmr-hold >/dev/null ||
		kmr_fail "kmr-hold missing (run.sh builds it when kernel/include/uapi exists)"
	kmr_module_loaded kmemrec || kmr_fail "kmr_hold_hooks: kmemrec is not loaded"
	[ -z "${KMR_HOLD_PID:-}" ] || return 0
	echo 4294967295 >/sys/module/kmemrec/parameters/hook_linger_ms ||
		kmr_fail "kmr_hold_hooks: cannot set hook_linger_ms"
	sleep 1000000 &
	KMR_HOLD_TARGET=$!
	kmr-hold "$KMR_HOLD_TARGET" >"$KMR_OUT/.hold.log" 2>&1 &
	KMR_HOLD_PID=$!
	_i=0
	while ! grep -q '^kmr-hold: holding' "$KMR_OUT/.hold.log"; do
		if ! kill -0 "$KMR_HOLD_PID" 2>/dev/null || [ $_i -ge $((100 * ${KMR_TIME_SCALE:-1})) ]; then
			kill "$KMR_HOLD_TARGET" "$KMR_HOLD_PID" 2>/dev/null || true
			kmr_fail "kmr-hold did not attach: $(cat "$KMR_OUT/.hold.log")"
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	kmr_note "hooks held by kmr-hold $KMR_HOLD_PID (session on idle pid $KMR_HOLD_TARGET)"
}

# kmr_release_hooks: end what kmr_hold_hooks started (kmr-hold must exit 0).
kmr_release_hooks() {
	[ -n "${KMR_HOLD_PID:-}" ] || return 0
	kill -TERM "$KMR_HOLD_PID" 2>/dev/null || true
	_rc=0
	wait "$KMR_HOLD_PID" || _rc=$?
	kill "$KMR_HOLD_TARGET" 2>/dev/null || true
	wait "$KMR_HOLD_TARGET" 2>/dev/null || true
	KMR_HOLD_PID="" KMR_HOLD_TARGET=""
	[ $_rc = 0 ] || kmr_fail "kmr-hold exited $_rc: $(cat "$KMR_OUT/.hold.log")"
	rm -f "$KMR_OUT/.hold.log"
}

# kmr_hooks_registered: are kmemrec's hooks in place right now?  The
# module's hooks_registered parameter says so; its kretprobes stay listed
# (disabled) while it is loaded, so the kprobes list only answers for a
# module without that parameter (the guest has no other kretprobe user).
# (Race cases check that the holder really kept them for the whole race.)
kmr_hooks_registered() {
	if [ -r /sys/module/kmemrec/parameters/hooks_registered ]; then
		[ "$(cat /sys/module/kmemrec/parameters/hooks_registered)" = Y ]
	else
		grep -q '^[0-9a-f]*  r  ' /sys/kernel/debug/kprobes/list 2>/dev/null
	fi
}

# kmr_kmod_load: load the kernel modules the case named in "kmr-kmod:"
# (and their dependencies), from this kernel's own image.  A module built
# into the kernel (the debug kernel has zram built in) needs nothing.
kmr_kmod_load() {
	[ -f /kmr/kmod-extra/order ] || return 0
	while read -r _m; do
		lsmod | grep -q "^${_m%.ko} " && continue
		insmod "/kmr/kmod-extra/$_m" || kmr_fail "insmod $_m failed"
	done </kmr/kmod-extra/order
}

# kmr_swap_on [MiB]: swap on a zram disk (default 128 MiB), so that
# MADV_PAGEOUT and reclaim really move anonymous pages out.  Needs
# "kmr-kmod: zram" on kernels that build zram as a module.  Turned off by
# kmr_swap_off (call it before the case ends: the next case expects none).
kmr_swap_on() {
	kmr_kmod_load
	[ -e /sys/block/zram0 ] || kmr_fail "no zram (add: # kmr-kmod: zram)"
	echo $((${1:-128} << 20)) >/sys/block/zram0/disksize || kmr_fail "zram disksize"
	mkswap /dev/zram0 >/dev/null || kmr_fail "mkswap /dev/zram0"
	swapon /dev/zram0 || kmr_fail "swapon /dev/zram0"
}
kmr_swap_off() {
	swapoff /dev/zram0 2>/dev/null || true
	echo 1 >/sys/block/zram0/reset 2>/dev/null || true
}
