#!/bin/sh
# usage: ui-record-command.sh TEST-LIVE-UI CLI FAKE-CUDA-APP FAKE-CUPTI OUTDIR
# --record-command end to end without a GPU: the app (test-live-ui --app, on the engine's driver
# TEST DOUBLE) opens Record a Command…, records the stand-in CUDA program through
# launchscope-cli record and the stand-in libcupti, saves screenshots while the cards grow,
# stops it with Ctrl+C's SIGINT and opens the gathered report.
set -u
exe=$1 cli=$2 app=$3 cupti=$4 out=$5
here=$(dirname "$0")
rm -rf "$out"
mkdir -p "$out/data"
log=$(XDG_DATA_HOME="$out/data" LSC_CLI="$cli" LSC_TEST_APP_CUPTI="$cupti" "$exe" --app \
  --record-command="$app 1000000 0 slow 500" --live-duration=2.5 --live-screenshot-every=1 \
  --live-screenshots="$out" 2>&1)
rc=$?
echo "$log"
[ "$rc" -eq 0 ] || { echo "FAIL: exit status $rc"; exit 1; }
for want in "record-command: recording $app 1000000 0 slow 500 into $out/data/launchscope/command-" \
            "record-command: ended with status 130" "record-command: report $out/data/launchscope/command-"; do
  echo "$log" | grep -qF "$want" || { echo "FAIL: no “$want” in the log"; exit 1; }
done
# the cards counted launches while it ran (the second card: launches so far)
echo "$log" | grep -E "^record-command: +2\.0 s: 0: [0-9].* 1: [1-9]" >/dev/null \
  || { echo "FAIL: no launches on the cards at 2 s"; exit 1; }
for png in record-command-dialog record-command-01s record-command-02s record-command-report; do
  line=$(echo "$log" | grep "^screenshot: $out/$png.png ") || { echo "FAIL: no $png.png"; exit 1; }
  size=$(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\)).*/\1 \2/p')
  set -- $size
  sh "$here/ui-check-png.sh" "$out/$png.png" "$1" "$2" || exit 1
done
if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
  echo "FAIL: warnings"; exit 1
fi
echo "ok: Record a Command… on the stand-in CUDA program"
