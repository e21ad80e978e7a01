#!/bin/sh
# usage: ui-corrupt.sh APP REPORT OUTDIR
# A file that is not a report, and a report cut short, must each show an error dialog naming
# the file (the app logs its heading and text, and saves it as <png>-dialog.png) and leave the
# window on "Open a Report" -- never crash.
set -eu
app=$1 report=$2 out=$3
here=$(dirname "$0")
mkdir -p "$out"

garbage="$out/not-a-report.lsdb"
awk 'BEGIN { for (i = 0; i < 4096; i++) printf "%c", (i * 37 + 11) % 95 + 32 }' > "$garbage"
truncated="$out/truncated.lsdb"
head -c 12288 "$report" > "$truncated"

for f in "$garbage" "$truncated"; do
  base=$(basename "$f" .lsdb)
  png="$out/$base.png"
  rm -f "$png" "$out/$base-dialog.png"
  rc=0
  log=$("$app" --screenshot="$png" --screenshot-delay=300 "$f" 2>&1) || rc=$?
  echo "$log"
  [ "$rc" -eq 0 ] || { echo "FAIL: the app exited with $rc on $f"; exit 1; }
  echo "$log" | grep "^error dialog: " | grep -F "$(basename "$f")" >/dev/null ||
    { echo "FAIL: no error dialog naming $f"; exit 1; }
  echo "$log" | grep "^screenshot: $png " | grep "state empty" >/dev/null ||
    { echo "FAIL: the window did not fall back to the empty state"; exit 1; }
  if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
    echo "FAIL: warnings while refusing $f"; exit 1
  fi
  set -- $(identify -format '%w %h' "$out/$base-dialog.png")
  sh "$here/ui-check-png.sh" "$out/$base-dialog.png" "$1" "$2"
done
echo "corrupt reports refused with a dialog"
