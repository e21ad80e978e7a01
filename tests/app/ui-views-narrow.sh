#!/bin/sh
# usage: ui-views-narrow.sh APP REPORT OUTDIR
# Every view of REPORT fits an 800x600 window (--window-size=800x600): the window keeps that
# size instead of growing to its content's minimum width, and each PNG is checked like the
# views' in ui-views.sh.  A bad --window-size is a usage error.
set -eu
app=$1 report=$2 out=$3
here=$(dirname "$0")
mkdir -p "$out"
for view in overview timeline distribution stages specs events launches kernels session compare; do
  png="$out/narrow-$view.png"
  rm -f "$png"
  if ! log=$("$app" --window-size=800x600 --view="$view" --screenshot="$png" --screenshot-delay=300 "$report" 2>&1); then
    echo "$log"; echo "FAIL: the app failed for view $view"; exit 1
  fi
  line=$(echo "$log" | grep "^screenshot: $png " || true)
  case "$line" in
    *"view $view, state report)"*) ;;
    *) echo "$log"; echo "FAIL: view $view was not shown with the report"; exit 1 ;;
  esac
  set -- $(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\),.*/\1 \2/p')
  w=$1 h=$2
  if [ "$w" -lt 760 ] || [ "$w" -gt 800 ] || [ "$h" -lt 560 ] || [ "$h" -gt 600 ]; then
    echo "FAIL: view $view needs a ${w}x${h} window, more than 800x600"; exit 1
  fi
  sh "$here/ui-check-png.sh" "$png" "$w" "$h"
  if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
    echo "$log"; echo "FAIL: warnings while showing $view"; exit 1
  fi
done
status=0
"$app" --window-size=800 "$report" >/dev/null 2>&1 || status=$?
[ "$status" -eq 2 ] || { echo "FAIL: --window-size=800 exited with $status, want 2"; exit 1; }
echo "all views fit 800x600"
