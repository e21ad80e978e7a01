#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# overhead-ab.sh — `launchscope-cli overhead` of two builds, alternated on one machine.
#
# Two processes on the same GPU differ by up to ±150 ns per launch (placement, clocks), so
# one run of each build says little about a change worth tens of ns.  This alternates A and B,
# prints each run's paired differences to the reference, then the median per build and mode.
#
#   bench/overhead-ab.sh PAIRS CLI_A CLI_B [overhead options...]
#
# Each run's JSON is kept as $OUT/ab-<build>-<i>.json when OUT is set.
set -eu
if [ $# -lt 3 ]; then
  echo "usage: $0 PAIRS CLI_A CLI_B [overhead options...]" >&2
  exit 2
fi
pairs=$1 a=$2 b=$3
shift 3
modes="recorder callbacks_empty callbacks activity before after"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One mode's value from overhead --json: the paired difference where there is one, else the
# pooled p50 difference (before/after are not interleaved with the reference).
value () {
  local line
  line=$(grep "\"$2\": {" "$1" || true)
  [ -n "$line" ] || return 0
  case $line in
    *paired_minus_off_ns*) echo "$line" | sed 's/.*"paired_minus_off_ns": \(-\{0,1\}[0-9]*\).*/\1/' ;;
    *) echo "$line" | sed 's/.*"p50_minus_off_ns": \(-\{0,1\}[0-9]*\).*/\1/' ;;
  esac
}

for i in $(seq 1 "$pairs"); do
  for build in A B; do
    cli=$a
    [ $build = B ] && cli=$b
    json="$tmp/$build-$i.json"
    "$cli" overhead --quiet --json "$@" >"$json"
    [ -n "${OUT:-}" ] && cp "$json" "$OUT/ab-$build-$i.json"
    printf '%s' "$build"
    for m in $modes; do
      v=$(value "$json" "$m")
      [ -n "$v" ] && printf ' %s=%+d' "$m" "$v" && echo "$v" >>"$tmp/$build.$m"
    done
    echo
  done
done

echo "median over $pairs runs (ns above the reference, paired where interleaved):"
for build in A B; do
  printf '%s' "$build"
  for m in $modes; do
    [ -f "$tmp/$build.$m" ] || continue
    printf ' %s=%+d' "$m" "$(sort -n "$tmp/$build.$m" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }')"
  done
  echo
done
