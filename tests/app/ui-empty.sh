#!/bin/sh
# usage: ui-empty.sh APP OUTDIR
# Without a report the window shows "Open a Report" (and, with $LSC_SAMPLE_REPORT set, the
# button for the sample report); its screenshot is checked like the views'.
set -eu
app=$1 out=$2
here=$(dirname "$0")
mkdir -p "$out"
png="$out/empty.png"
rm -f "$png"
log=$("$app" --screenshot="$png" --screenshot-delay=300 2>&1)
echo "$log"
line=$(echo "$log" | grep "^screenshot: $png " | grep "state empty") || { echo "FAIL: no empty-state screenshot"; exit 1; }
size=$(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\),.*/\1 \2/p')
set -- $size
sh "$here/ui-check-png.sh" "$png" "$1" "$2"
if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
  echo "FAIL: warnings in the empty window"; exit 1
fi
