# Helpers for guest case scripts (busybox ash).  Installed as /kmr/lib.sh and
# sourced by init before each case, so cases call these directly.
#
# A case passes when it exits 0, is skipped on exit 77, fails otherwise.
# Cases run with `set -e`: an unchecked failing command fails the case.
# Environment: KMR_CASE (name), KMR_OUT (cwd; every file left here comes back
# to the host), KMR_KERNEL (6.1 | 6.12), KMR_KREL (uname -r),
# KMR_MODULES (/kmr/modules: kmemrec.ko, kmr_smoke.ko), KMR_FILES (/kmr/files).

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
