#!/bin/sh
# usage: ui-check-png.sh PNG WIDTH HEIGHT
# Fails unless PNG exists, is WIDTH x HEIGHT, and is not blank (more than a handful of colours).
set -eu
png=$1 want_w=$2 want_h=$3
[ -s "$png" ] || { echo "FAIL: $png missing or empty"; exit 1; }
set -- $(identify -format '%w %h %k' "$png")
w=$1 h=$2 colours=$3
if [ "$w" -ne "$want_w" ] || [ "$h" -ne "$want_h" ]; then
  echo "FAIL: $png is ${w}x${h}, expected ${want_w}x${want_h}"; exit 1
fi
if [ "$colours" -lt 16 ]; then
  echo "FAIL: $png has only $colours colours: blank?"; exit 1
fi
echo "ok: $png ${w}x${h}, $colours colours"
