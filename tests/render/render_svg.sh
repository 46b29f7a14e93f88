#!/bin/bash
# Render kmemreplay --svg pictures in headless Chromium and check them as a
# person would: the screenshot is not blank and shows the heatmap's colours,
# and the SVG parses and carries its labels.  The pictures and screenshots
# stay in OUT_DIR for a look.
#
#   render_svg.sh KMEMREPLAY KMEMSYNTH OUT_DIR
set -euo pipefail
kmemreplay=$1 kmemsynth=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "SKIP: chromium is not installed (apt-get install chromium); the SVG was not rendered"
	exit 77
fi
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

shoot() {  # svg png
	timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars --window-size=1400,1000 \
		--screenshot="$2" "file://$1" > "$2.log" 2>&1 || { cat "$2.log"; return 1; }
	[ -s "$2" ] || { echo "no screenshot written"; cat "$2.log"; return 1; }
}

"$kmemsynth" -q -n 200000 -p churn --seed 3 -o "$out/churn.kmr"
"$kmemsynth" -q -n 200000 -p random --seed 3 -o "$out/random.kmr"
fail=0
for spec in "churn faults" "random resident" "churn first-touch"; do
	set -- $spec
	name=$1-$2
	"$kmemreplay" "$out/$1.kmr" --svg "$out/$name.svg" --metric "$2"
	shoot "$out/$name.svg" "$out/$name.png"
	labels=("time since the trace started" "resident memory over time" "whole process" "[anon] rw-p")
	[ "$1" = churn ] && labels+=("[heap] rw-p" "[stack] rw-p")
	python3 "$here/png_check.py" "$out/$name.png" "$out/$name.svg" "${labels[@]}" || fail=1
done
exit $fail
