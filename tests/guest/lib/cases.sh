# shellcheck shell=bash
# Find case scripts and read their "# kmr-<key>: value" header directives.
# The format is documented in tests/guest/cases/README.md.

KMR_CASES_DIR=$KMR_GUEST_DIR/cases

# kmr_case_path <name or path>: the guest script of a case.
kmr_case_path() {
	case $1 in
	*/* | *.sh) [ -f "$1" ] || kmr_die "no such case file: $1"; readlink -f "$1" ;;
	*) [ -f "$KMR_CASES_DIR/$1.sh" ] || kmr_die "no such case: $1 (looked for $KMR_CASES_DIR/$1.sh)"
	   echo "$KMR_CASES_DIR/$1.sh" ;;
	esac
}

# kmr_case_name <path>: the case's name (file name without .sh).
kmr_case_name() { local n=${1##*/}; echo "${n%.sh}"; }

# kmr_all_cases: every guest case in cases/ (host post-checks excluded).
kmr_all_cases() {
	local f
	for f in "$KMR_CASES_DIR"/*.sh; do
		[ -e "$f" ] || continue
		case $f in *.host.sh) continue ;; esac
		echo "$f"
	done
}

# kmr_case_directive <path> <key> [default]: value of "# kmr-<key>: value"
# (several lines with the same key are joined with spaces).
kmr_case_directive() {
	local v
	v=$(sed -n "s/^#[[:space:]]*kmr-$2:[[:space:]]*//p" "$1" | tr '\n' ' ' | sed 's/[[:space:]]*$//')
	echo "${v:-${3:-}}"
}

# kmr_case_check <path>: validate directives, die with a clear message.
kmr_case_check() {
	local f=$1 n key k
	n=$(kmr_case_name "$f")
	[[ $n =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] ||
		kmr_die "case name '$n' must be letters, digits, '_', '-', '.'"
	for key in $(sed -n 's/^#[[:space:]]*kmr-\([a-z]*\):.*/\1/p' "$f"); do
		case $key in
		timeout | smp | kernels | bin | file | icount | mttcg | kmod | tier) ;;
		*) kmr_die "$f: unknown directive 'kmr-$key' (see cases/README.md)" ;;
		esac
	done
	[[ $(kmr_case_directive "$f" timeout 1) =~ ^[0-9]+$ ]] || kmr_die "$f: kmr-timeout must be seconds"
	[[ $(kmr_case_directive "$f" smp 1) =~ ^[1-9]$ ]] || kmr_die "$f: kmr-smp must be 1..9"
	case $(kmr_case_directive "$f" mttcg 0) in
	0) ;;
	1) [ "$(kmr_case_directive "$f" smp 1)" -ge 2 ] ||
		kmr_die "$f: kmr-mttcg: 1 needs kmr-smp: 2 or more" ;;
	*) kmr_die "$f: kmr-mttcg must be 0 or 1" ;;
	esac
	case $(kmr_case_directive "$f" tier default) in
	default | stress | pending | install) ;;
	*) kmr_die "$f: kmr-tier must be default, stress, pending or install" ;;
	esac
	for k in $(kmr_case_directive "$f" kernels); do
		case $k in 6.1 | 6.12 | 6.12-debug) ;;
		*) kmr_die "$f: kmr-kernels: unknown kernel '$k' (6.1, 6.12, 6.12-debug)" ;;
		esac
	done
}
