#!/bin/sh
# usage: [PAIRS=N] [SESSIONS=K] [ITERS=I] [CHANGES=0] bench/diff-aa.sh CLI OUTDIR
#
# How launchscope-cli diff's default thresholds behave on a GPU machine: pairs with a real change
# in B (kernel activity instead of callbacks, the skip switch on for the whole run, the debug
# knob on; recorded first, so that a short loan does not miss them), then PAIRS pairs of reports
# recorded with the same settings (A/A: every row should read "no significant change"), each
# report K sessions of I launches recorded one after another with record --append, each pair
# diffed with the defaults.  CHANGES=0 leaves the real changes out.  Every pair is diffed twice: all its
# sessions (intervals over sessions), and its first session of each alone (intervals over blocks
# of one recording's launches).  Prints one line per pair and diff and the counts, and keeps
# every report's per-session p50s (fast path, baseline path, kernel, in-session floor) in
# OUTDIR/sessions.jsonl, so that other interval methods can be tried on the same recordings.
set -u
cli=$1 out=$2
n=${PAIRS:-20} k=${SESSIONS:-5} iters=${ITERS:-20000}
mkdir -p "$out"
export XDG_CACHE_HOME=$(mktemp -d)
rec () { # name options...
  name=$1
  shift
  rm -f "$out/$name.lsdb"
  for s in $(seq "$k"); do
    "$cli" record -o "$out/$name.lsdb" --append --quiet --workload add8 --iters "$iters" "$@" >/dev/null 2>"$out/$name.err" \
      || echo "record $name session $s failed: $(cat "$out/$name.err")"
  done
  "$cli" report --json "$out/$name.lsdb" | python3 -c '
import json, sys
for s in json.load(sys.stdin)["sessions"]:
    p = s["paths"]
    k = {x["name"]: x for x in s["kernel_list"]}
    print(json.dumps({"report": sys.argv[1], "pair": int(sys.argv[2]), "session": s["id"],
                      "fast": p.get("fast", {}).get("p50_ns"), "default": p.get("default", {}).get("p50_ns"),
                      "kernel": (k.get("add8") or {}).get("p50_ns"), "floor": (s.get("floor") or {}).get("bare_p50_ns")}))
' "$name" "${pair:-0}" >>"$out/sessions.jsonl"
}
verdicts () { # label A B [diff options]
  label=$1 a=$2 b=$3
  shift 3
  "$cli" diff --json "$@" "$out/$a.lsdb" "$out/$b.lsdb" >"$out/diff.json" 2>"$out/diff.err" || { echo "$label: diff failed: $(cat "$out/diff.err")"; return; }
  python3 - "$label" "$out/diff.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
sig = [r for r in d["rows"] if r.get("verdict") in ("slower", "faster")]
f = ""
for kind, name in (("path", "fast"), ("kernel", "add8")):
    r = next((r for r in d["rows"] if r["kind"] == kind and r["name"] == name), None)
    if r and r["diff_ns"] is not None:
        f += f"; {name} {r['diff_pct']:+.1f}% [{r['ci_low_ns']:+.0f}, {r['ci_high_ns']:+.0f}] ns"
desc = ", ".join(f"{r['kind']} {r['name']} {r['verdict']} {r['diff_ns']:+.0f} ns ({r['diff_pct']:+.1f}%)" for r in sig[:3])
print(f"{sys.argv[1]}: {len(sig)} of {len(d['rows'])} rows with a verdict{f}" + (f": {desc}" if sig else ""))
PY
}
: >"$out/sessions.jsonl"
# The real changes first: they are what a short loan must not miss.
pair=0
[ "${CHANGES:-1}" = 0 ] || rec base --cupti callbacks
[ "${CHANGES:-1}" = 0 ] || for change in "activity --cupti activity" "skip --cupti callbacks --toggle skip@0" "debug --cupti callbacks --toggle debug@0"; do
  set -- $change
  name=$1
  shift
  rec "$name" "$@"
  verdicts "callbacks -> $name, $k sessions each" base "$name"
  verdicts "callbacks -> $name, first session of each" base "$name" --session-a 1 --session-b 1
done
quiet=0 quiet_one=0
for i in $(seq "$n"); do
  pair=$i
  rec a --cupti callbacks
  rec b --cupti callbacks
  line=$(verdicts "A/A pair $i, $k sessions each" a b)
  echo "$line"
  case $line in *": 0 of "*) quiet=$((quiet + 1)) ;; esac
  line=$(verdicts "A/A pair $i, first session of each" a b --session-a 1 --session-b 1)
  echo "$line"
  case $line in *": 0 of "*) quiet_one=$((quiet_one + 1)) ;; esac
done
echo "A/A, $k sessions each: $quiet of $n pairs with no significant change on any row"
echo "A/A, one session each: $quiet_one of $n pairs with no significant change on any row"
