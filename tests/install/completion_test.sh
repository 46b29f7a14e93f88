#!/bin/bash
# install.completion: source docs/completion/kmemrec.bash in a plain bash
# (no bash-completion package) and check completions of each tool:
# subcommands, options, option values, pids for attach, .kmr files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../docs/completion/kmemrec.bash
. "$here/../../docs/completion/kmemrec.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
mkdir sub
touch a.kmr b.kmr notes.txt sub/c.kmr
fail=0

# comp "COMMAND LINE" (the last word is the one completed; end with a space
# for an empty word): sets REPLY to the sorted candidates, one line.
comp() {
	local line=$1 fn
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	fn=$(complete -p "${COMP_WORDS[0]}" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	COMPREPLY=()
	# Interactive bash runs completions without errexit.
	set +e
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	set -e
	REPLY=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
	REPLY=${REPLY% }
}
is() {
	comp "$1"
	[ "$REPLY" = "$2" ] || { echo "completion: '$1' gave '$REPLY', expected '$2'" >&2; fail=1; }
}
has() {
	comp "$1"
	[[ " $REPLY " == *" $2 "* ]] || { echo "completion: '$1' gave '$REPLY', lacks '$2'" >&2; fail=1; }
}
lacks() {
	comp "$1"
	[[ " $REPLY " != *" $2 "* ]] || { echo "completion: '$1' gave '$REPLY', has '$2'" >&2; fail=1; }
}

# kmemrec: doctor, pids, options and their values, files after -o.
has "kmemrec " doctor
has "kmemrec " $$
has "kmemrec $$" $$
lacks "kmemrec " a.kmr
is "kmemrec --buf" --buffer-size
is "kmemrec --capture-pages " "cow cow:hash"
is "kmemrec --events vma,p" "vma,page-cow vma,page-cow-hash vma,pte"
is "kmemrec -o " "a.kmr b.kmr sub/"
is "kmemrec doctor --" "--device --help"
has "kmemrec -o x.kmr -- bas" bash

# kmemreplay: traces, compare, views' values.
is "kmemreplay " "a.kmr b.kmr compare sub/"
is "kmemreplay sub/" "sub/c.kmr"
is "kmemreplay a.kmr --metric f" "faults first-touch"
is "kmemreplay compare a.kmr --t" "--top"
is "kmemreplay compare " "a.kmr b.kmr sub/"
is "kmemreplay a.kmr --events --kind pte,c" "pte,cow"

# kmemfetch: subcommands, pids, mapping names, options per subcommand.
is "kmemfetch " "maps read walk write"
has "kmemfetch read " $$
has "kmemfetch read $$ [st" "[stack]"
has "kmemfetch walk $$ [stack] [h" "[heap]"
is "kmemfetch read --r" "--raw"
is "kmemfetch write --" "--force --help --pread --walk-only"
is "kmemfetch --device /dev/kmemrec wa" "walk"

# kmemsynth.
is "kmemsynth -p " "churn fork random seq"
is "kmemsynth --page-data b" "bytes"
is "kmemsynth --no-" "--no-exit --no-keyframes"

[ $fail = 0 ] && echo "install.completion: all completions as expected"
exit $fail
