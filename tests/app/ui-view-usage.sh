#!/bin/sh
# usage: ui-view-usage.sh APP REPORT OUTDIR
# An unknown --view is a usage error: status 2, the valid names listed, and no screenshot taken.
set -eu
app=$1 report=$2 out=$3
mkdir -p "$out"
png="$out/unknown-view.png"
rm -f "$png"
status=0
log=$("$app" --view=no-such-view --screenshot="$png" "$report" 2>&1) || status=$?
echo "$log"
[ "$status" -eq 2 ] || { echo "FAIL: exit status $status, want 2"; exit 1; }
echo "$log" | grep -q "no-such-view" || { echo "FAIL: the message does not name the view given"; exit 1; }
for view in overview timeline distribution stages specs events launches session; do
  echo "$log" | grep "the views are:" | grep -q "$view" || { echo "FAIL: $view is not listed"; exit 1; }
done
[ ! -e "$png" ] || { echo "FAIL: a screenshot was taken"; exit 1; }
status=0
"$app" --view=no-such-view --screenshot="$png" >/dev/null 2>&1 || status=$?
[ "$status" -eq 2 ] || { echo "FAIL: without a report the exit status is $status, want 2"; exit 1; }
echo "ok"
