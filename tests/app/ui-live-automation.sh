#!/bin/sh
# usage: ui-live-automation.sh TEST-LIVE-UI OUTDIR
# The --live automation the GPU machine runs, end to end on the engine's driver TEST DOUBLE
# (test-live-ui --app: the application with the double installed, every title marked
# test-only): records add8 at full rate, flips switches by script, saves live-*.png, stops,
# opens the report and saves it, prints the longest frame (checked against 50 ms by the
# ui-live-double test, which measures without screenshots in between).
set -u
exe=$1 out=$2
here=$(dirname "$0")
rm -rf "$out"
mkdir -p "$out"
log=$("$exe" --app --live --live-workload=add8 --live-n=4096 --live-rate=0 \
  --live-report="$out/live.lsdb" --live-script="debug@0.5,offset@1,skip@1.5,skip@2,global=3@2.5,global=0@3" \
  --live-duration=4 --live-screenshot-every=1 --live-screenshots="$out" --measure-frames 2>&1)
rc=$?
echo "$log"
[ "$rc" -eq 0 ] || { echo "FAIL: exit status $rc"; exit 1; }
for want in "live: recording on Test double (not a GPU)" "skip flipped" "global = 3" "frames: longest frame" \
            "live: report $out/live.lsdb"; do
  echo "$log" | grep -qF "$want" || { echo "FAIL: no “$want” in the log"; exit 1; }
done
for png in live-01s live-02s live-03s live-04s live-stopping live-report live-report-timeline; do
  line=$(echo "$log" | grep "^screenshot: $out/$png.png ") || { echo "FAIL: no $png.png"; exit 1; }
  size=$(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\)).*/\1 \2/p')
  set -- $size
  sh "$here/ui-check-png.sh" "$out/$png.png" "$1" "$2" || exit 1
done
# the report holds every toggle as an event
events=$(echo "$log" | sed -n 's/.* \([0-9]*\) toggle events.*/\1/p')
[ "${events:-0}" -ge 6 ] || { echo "FAIL: $events toggle events in the report, expected 6 or more"; exit 1; }
if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
  echo "FAIL: warnings"; exit 1
fi
# an 800x600 window keeps its size: the settings panel folds away behind a button
narrow="$out/narrow"
mkdir -p "$narrow"
log=$("$exe" --app --live --live-workload=add8 --live-rate=2000 --live-duration=2 --window-size=800x600 \
  --live-screenshots="$narrow" 2>&1) || { echo "$log"; echo "FAIL: the live page at 800x600"; exit 1; }
line=$(echo "$log" | grep "^screenshot: $narrow/live-02s.png ") || { echo "$log"; echo "FAIL: no narrow live-02s.png"; exit 1; }
set -- $(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\)).*/\1 \2/p')
if [ "$1" -gt 800 ] || [ "$2" -gt 600 ]; then
  echo "FAIL: the live page needs a $1x$2 window, more than 800x600"; exit 1
fi
sh "$here/ui-check-png.sh" "$narrow/live-02s.png" "$1" "$2" || exit 1
echo "ok: live automation on the test double"
