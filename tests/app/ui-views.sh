#!/bin/sh
# usage: ui-views.sh APP REPORT OUTDIR
# Opens REPORT once per view (--view=NAME --screenshot=PNG), checks the view was shown with
# the report loaded, and checks each PNG: the window's size and not blank.  The window's
# default size is 1100x720 (GSettings); without a window manager its client-side decoration
# takes a few pixels, so the PNG must match the size the app reports and lie within 40 px.
set -eu
app=$1 report=$2 out=$3
here=$(dirname "$0")
mkdir -p "$out"
for view in overview timeline distribution stages specs events launches kernels session; do
  png="$out/$view.png"
  rm -f "$png"
  if ! log=$("$app" --view="$view" --screenshot="$png" --screenshot-delay=300 "$report" 2>&1); then
    echo "$log"; echo "FAIL: the app failed for view $view"; exit 1
  fi
  line=$(echo "$log" | grep "^screenshot: $png " || true)
  case "$line" in
    *"view $view, state report)"*) ;;
    *) echo "$log"; echo "FAIL: view $view was not shown with the report"; exit 1 ;;
  esac
  size=$(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\),.*/\1 \2/p')
  set -- $size
  w=$1 h=$2
  if [ "$w" -lt 1060 ] || [ "$w" -gt 1100 ] || [ "$h" -lt 680 ] || [ "$h" -gt 720 ]; then
    echo "FAIL: window is ${w}x${h}, expected about 1100x720"; exit 1
  fi
  sh "$here/ui-check-png.sh" "$png" "$w" "$h"
  if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
    echo "$log"; echo "FAIL: warnings while showing $view"; exit 1
  fi
done
echo "all views shown"
