#!/bin/bash
# report_case.sh DIR [KMEMREC]: fault_prof.sh's windows in DIR (prof.1..5,
# the run's kallsyms.txt and figures.txt) as per-fault tables by function;
# with KMEMREC (the static recorder the guest ran) its functions are named.
set -euo pipefail
d=$1
user=()
[ -z "${2:-}" ] || user=(--user-syms "$2")
here=$(cd "$(dirname "$0")" && pwd)
syms=$(find "$d/run" -name kallsyms.txt | head -1)
fig=$(find "$d/run" -name figures.txt | head -1)
[ -n "$syms" ] && [ -n "$fig" ] || { echo "report_case.sh: no kallsyms.txt or figures.txt under $d/run" >&2; exit 1; }
# faults per window: kb_faultcost prints "<n> faults" per rep
faults=$(awk '/^faultcost plain/ { for (i = 1; i < NF; i++) if ($(i + 1) == "faults") n += $i } END { print n }' "$fig")
work=$(awk '/^task_ns/ { print $4; exit }' "$fig")
echo "== traced - plain, per fault ($faults faults; kb_faultcost, minimal reader)"
"$here/report.py" "$syms" "$d/prof.2" "$d/prof.1" --per "$faults"
echo
echo "== bystander - plain, per fault"
"$here/report.py" "$syms" "$d/prof.3" "$d/prof.1" --per "$faults" --top 15
echo
echo "== kmemrec -- kb_start work, minus kb_start work, per fault ($work faults: the whole run)"
"$here/report.py" "$syms" "$d/prof.5" "$d/prof.4" --per "$work" --top 60 "${user[@]}"
