#!/bin/sh
# usage: ui-compare.sh APP REPORT-A REPORT-B OUTDIR
# launchscope --compare A B shows the Compare view with report A loaded (screenshot checked
# like the other views'); a file that is not a report as B gives an error dialog naming it and
# leaves report A shown; --compare with one report is refused with exit status 2.
set -eu
app=$1 a=$2 b=$3 out=$4
here=$(dirname "$0")
mkdir -p "$out"

png="$out/compare.png"
rm -f "$png"
if ! log=$("$app" --compare "$a" "$b" --screenshot="$png" --screenshot-delay=300 2>&1); then
  echo "$log"; echo "FAIL: the app failed comparing $a with $b"; exit 1
fi
echo "$log"
line=$(echo "$log" | grep "^screenshot: $png " || true)
case "$line" in
  *"view compare, state report)"*) ;;
  *) echo "FAIL: the Compare view was not shown with report A"; exit 1 ;;
esac
set -- $(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\),.*/\1 \2/p')
sh "$here/ui-check-png.sh" "$png" "$1" "$2"
if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
  echo "FAIL: warnings while comparing"; exit 1
fi

garbage="$out/not-a-report-b.lsdb"
awk 'BEGIN { for (i = 0; i < 4096; i++) printf "%c", (i * 37 + 11) % 95 + 32 }' > "$garbage"
png="$out/compare-garbage.png"
rm -f "$png" "$out/compare-garbage-dialog.png"
rc=0
log=$("$app" --compare "$a" "$garbage" --screenshot="$png" --screenshot-delay=300 2>&1) || rc=$?
echo "$log"
[ "$rc" -eq 0 ] || { echo "FAIL: the app exited with $rc comparing with $garbage"; exit 1; }
echo "$log" | grep "^error dialog: Cannot Compare the Reports: " | grep -F "not-a-report-b.lsdb" >/dev/null ||
  { echo "FAIL: no error dialog naming $garbage"; exit 1; }
echo "$log" | grep "^screenshot: $png " | grep "state report" >/dev/null ||
  { echo "FAIL: report A is not shown after the failed comparison"; exit 1; }
if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
  echo "FAIL: warnings while refusing $garbage"; exit 1
fi
set -- $(identify -format '%w %h' "$out/compare-garbage-dialog.png")
sh "$here/ui-check-png.sh" "$out/compare-garbage-dialog.png" "$1" "$2"

rc=0
log=$("$app" --compare "$a" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || { echo "$log"; echo "FAIL: --compare with one report exited with $rc, not 2"; exit 1; }
echo "$log" | grep -F -- "--compare needs two reports" >/dev/null ||
  { echo "$log"; echo "FAIL: --compare with one report did not say what is missing"; exit 1; }
echo "comparison shown, bad report B refused"
