#!/bin/sh
# usage: ui-live-no-gpu.sh APP OUTDIR
# Without a CUDA driver (this machine, CI), `launchscope --live` must say exactly why, on stderr
# and in the live page's banner, save a screenshot of that banner and exit non-zero (2).  Skips
# (77) where a driver does load: then live recording is real and this path cannot be shown.
set -u
app=$1 out=$2
here=$(dirname "$0")
# the engine's driver test double is never linked into the app (its device name would be)
if grep -q "Test double (not a GPU)" "$app"; then
  echo "FAIL: $app contains the driver test double"; exit 1
fi
rm -rf "$out"
mkdir -p "$out"
log=$("$app" --live --live-duration=2 --live-report="$out/live.lsdb" --live-screenshots="$out" 2>&1)
rc=$?
echo "$log"
if echo "$log" | grep -q "^live: recording on "; then
  echo "a CUDA driver loaded here: the no-GPU path cannot be shown"; exit 77
fi
[ "$rc" -eq 2 ] || { echo "FAIL: exit status $rc, expected 2"; exit 1; }
echo "$log" | grep -q "live recording is not available: Live recording needs an NVIDIA GPU and its CUDA driver — No CUDA driver found (libcuda.so.1" \
  || { echo "FAIL: the reason was not printed"; exit 1; }
line=$(echo "$log" | grep "^screenshot: $out/live-unavailable.png ") || { echo "FAIL: no banner screenshot"; exit 1; }
size=$(echo "$line" | sed -n 's/.*(\([0-9]*\)x\([0-9]*\)).*/\1 \2/p')
set -- $size
sh "$here/ui-check-png.sh" "$out/live-unavailable.png" "$1" "$2" || exit 1
# the banner: a band of the error tint across the top, under the header bar
tint=$(convert "$out/live-unavailable.png" -crop 200x10+400+60 -format '%[fx:mean.r*255] %[fx:mean.g*255]' info:)
set -- $tint
r=${1%.*} g=${2%.*}
[ "$r" -gt "$g" ] && [ $((r - g)) -gt 20 ] || { echo "FAIL: no error-tinted banner at the top (rgb mean $tint)"; exit 1; }
if echo "$log" | grep -E "CRITICAL|WARNING" >/dev/null; then
  echo "FAIL: warnings"; exit 1
fi
echo "ok: no GPU, said why"
