# Bash completion for kmemrec, kmemreplay, kmemfetch and kmemsynth.
# Installed once per command name into bash-completion's completions
# directory (bash-completion loads the file named after the command).  Uses
# only bash's own COMP_WORDS/COMP_CWORD/compgen, so it also works without
# the bash-completion package: `source` it.  Tested by
# tests/install/completion_test.sh.

# Words: files ending in .kmr (and directories to descend into).
_kmr_complete_traces() {
	local cur=$1 IFS=$'\n'
	COMPREPLY+=($(compgen -d -S / -- "$cur") $(compgen -f -X '!*.kmr' -- "$cur"))
}

# Words: pids of running processes, with their names as the description
# bash cannot show; just the pids.
_kmr_complete_pids() {
	local cur=$1 p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[[ $p == "$cur"* ]] && COMPREPLY+=("$p")
	done
}

# A comma-separated list: complete the item after the last comma.
_kmr_complete_list() {
	local cur=$1
	shift
	local head="" item=$cur
	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		item=${cur##*,}
	fi
	local w
	for w in "$@"; do
		[[ $w == "$item"* ]] && COMPREPLY+=("$head$w")
	done
	compopt -o nospace 2>/dev/null || true
}

_kmemrec() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} i
	COMPREPLY=()
	# After "--": the program to launch and its arguments.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			if ((i + 1 == COMP_CWORD)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		fi
	done
	if [[ ${COMP_WORDS[1]} == doctor && $COMP_CWORD -gt 1 ]]; then
		case $prev in
		--device) COMPREPLY=($(compgen -f -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W '--device --help' -- "$cur")) ;;
		esac
		return
	fi
	case $prev in
	-o | --output) _kmr_complete_traces "$cur"; return ;;
	--device) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--events)
		_kmr_complete_list "$cur" vma pte cow fault mem-write all page-cow page-cow-hash
		return ;;
	--capture-pages) COMPREPLY=($(compgen -W 'cow cow:hash' -- "$cur")); return ;;
	--comm)
		COMPREPLY=($(compgen -W "$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)" -- "$cur"))
		return ;;
	--range | --duration | --buffer-size | --comm-timeout | --flight-recorder | --trigger-rss | \
		--trigger-repeat | --max-procs) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-o --output --comm --comm-once --comm-timeout --range --events
			--capture-pages --duration --buffer-size --lossless --flight-recorder --trigger-rss
			--trigger-repeat --live -f --follow --max-procs -q --quiet --device
			-h --help --version --' -- "$cur"))
		return
	fi
	((COMP_CWORD == 1)) && COMPREPLY=($(compgen -W doctor -- "$cur"))
	_kmr_complete_pids "$cur"
}

_kmemreplay() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [[ ${COMP_WORDS[1]} == compare && $COMP_CWORD -gt 1 ]]; then
		case $prev in
		--at-relative | --top) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--json --at-relative --top --all -h --help' -- "$cur"))
		else
			_kmr_complete_traces "$cur"
		fi
		return
	fi
	case $prev in
	--svg | --perfetto) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--metric) COMPREPLY=($(compgen -W 'faults first-touch cow resident' -- "$cur")); return ;;
	--at | --diff | --from | --to)
		COMPREPLY=($(compgen -W 'start end' -- "$cur"))
		return ;;
	--kind)
		_kmr_complete_list "$cur" snapshot-begin snapshot-end vma-sync vma pte pte-unmap \
			cow fault fork exec exit lost mem-write page-data signal gap map unmap protect move grow
		return ;;
	--range | --buckets | --vaddr | --limit | --perfetto-max-mb | --page) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '--json --at --range --diff --hist --buckets --events
			--kind --vaddr --limit --from --to --svg --metric --perfetto
			--perfetto-max-mb --page --sharing -h --help' -- "$cur"))
		return
	fi
	((COMP_CWORD == 1)) && COMPREPLY=($(compgen -W compare -- "$cur"))
	_kmr_complete_traces "$cur"
}

_kmemfetch() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i sub="" subat=0 npos=0
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--device) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $sub ]]; then
				sub=${COMP_WORDS[i]}
				subat=$i
			else
				((npos++))
			fi ;;
		esac
	done
	if [[ $prev == --device ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	if [[ -z $sub ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--device -h --help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'read write walk maps' -- "$cur"))
		fi
		return
	fi
	if [[ $cur == -* ]]; then
		case $sub in
		read) COMPREPLY=($(compgen -W '--raw --walk-only --force --pread -h --help' -- "$cur")) ;;
		write) COMPREPLY=($(compgen -W '--walk-only --force --pread -h --help' -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W '-h --help' -- "$cur")) ;;
		esac
		return
	fi
	if ((npos == 0)); then
		_kmr_complete_pids "$cur"
	elif ((npos == 1)) || [[ $sub == walk ]]; then
		# An address: the names kmemfetch accepts for the target's mappings.
		local pid=${COMP_WORDS[subat + 1]} names
		for ((i = subat + 1; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == -* ]] || { pid=${COMP_WORDS[i]}; break; }
		done
		names=$(awk 'NF >= 6 { n = $6; sub(".*/", "", n); print n }' \
			"/proc/$pid/maps" 2>/dev/null | sort -u)
		COMPREPLY=($(compgen -W "$names" -- "$cur"))
	elif [[ $sub == write && $cur == @* ]]; then
		COMPREPLY=($(compgen -f -P @ -- "${cur#@}"))
	fi
}

_kmemsynth() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	case $prev in
	-o | --output) _kmr_complete_traces "$cur"; return ;;
	-p | --pattern) COMPREPLY=($(compgen -W 'seq random fork churn' -- "$cur")); return ;;
	--page-data) COMPREPLY=($(compgen -W 'none hash bytes' -- "$cur")); return ;;
	-n | --events | --seed | --base | --chunk-events | --zstd-level | --keyframe-min-events | \
		--keyframe-ratio) return ;;
	esac
	COMPREPLY=($(compgen -W '-o --output -n --events -p --pattern --seed --base --lost
		--exec --no-exit --page-data --chunk-events --zstd-level --no-keyframes
		--keyframe-min-events --keyframe-ratio -q --quiet -h --help' -- "$cur"))
}

complete -F _kmemrec kmemrec
complete -F _kmemreplay kmemreplay
complete -F _kmemfetch kmemfetch
complete -F _kmemsynth kmemsynth
