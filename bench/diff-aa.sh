#!/bin/sh
# usage: [PAIRS=N] bench/diff-aa.sh CLI OUTDIR
#
# How launchscope-cli diff's default thresholds behave on a GPU machine: PAIRS pairs of
# recordings with the same settings (A/A: every row should read "no significant change"), then
# pairs with a real change in B (kernel activity instead of callbacks, the skip switch on for
# the whole run, the debug knob on), each diffed with the defaults.  Prints one line per pair
# (rows with a verdict, the largest |difference| among them) and a count.
set -u
cli=$1 out=$2
n=${PAIRS:-20}
mkdir -p "$out"
export XDG_CACHE_HOME=$(mktemp -d)
rec () { # name options...
  name=$1
  shift
  "$cli" record -o "$out/$name.lsdb" --force --quiet --workload add8 --iters 50000 "$@" >/dev/null 2>"$out/$name.err" \
    || echo "record $name failed: $(cat "$out/$name.err")"
}
verdicts () { # label A B
  "$cli" diff --json "$out/$2.lsdb" "$out/$3.lsdb" >"$out/diff.json" 2>"$out/diff.err" || { echo "$1: diff failed: $(cat "$out/diff.err")"; return; }
  python3 - "$1" "$out/diff.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
sig = [r for r in d["rows"] if r.get("verdict") in ("slower", "faster")]
desc = ", ".join(f"{r['kind']} {r['name']} {r['verdict']} {r['diff_ns']:+.0f} ns ({r['diff_pct']:+.1f}%)" for r in sig[:4])
print(f"{sys.argv[1]}: {len(sig)} of {len(d['rows'])} rows with a verdict" + (f": {desc}" if sig else ""))
PY
}
quiet=0
for i in $(seq "$n"); do
  rec a "--cupti" callbacks
  rec b "--cupti" callbacks
  line=$(verdicts "A/A pair $i" a b)
  echo "$line"
  case $line in *": 0 of "*) quiet=$((quiet + 1)) ;; esac
done
echo "A/A: $quiet of $n pairs with no significant change on any row"
rec base --cupti callbacks
rec activity --cupti activity
verdicts "callbacks -> activity" base activity
rec skip --cupti callbacks --toggle skip@0
verdicts "skip switch on" base skip
rec debug --cupti callbacks --toggle debug@0
verdicts "debug knob on" base debug
