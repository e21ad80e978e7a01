# usage: floor-sessions-summary.py SESSIONS.jsonl BENCH.json OVERHEAD.json
#
# Prints, per session of bench/floor-sessions.sh, the in-session figures with their 95%
# intervals beside what `bench` (paired fast - raw, same arguments) and `overhead` (recorder
# + CUPTI callbacks, paired) measured on the same machine right after, and counts: sessions
# that show a negative distance to the floor outside noise, and sessions whose observer-cost
# interval holds overhead's estimate.
import json, sys

sessions = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
bench = json.load(open(sys.argv[2]))
overhead = json.load(open(sys.argv[3]))
cases = bench.get("cases") or next(v for v in bench.values() if isinstance(v, list))
paired_fast = {c["kernel"]: c["paired_fast_minus_raw_ns"] for c in cases}
callbacks = overhead["modes"]["callbacks"]["paired_minus_off_ns"]


def est(e):
    return f"{e['median_ns']:+.0f} [{e['low_ns']:+.0f}, {e['high_ns']:+.0f}] ({e['rounds']})" if e else "-"


print(f"bench paired fast - raw: " + ", ".join(f"{k} {v:+.0f} ns" for k, v in paired_fast.items()))
print(f"overhead, recorder + callbacks (paired, add8): {callbacks:+.0f} ns\n")
print("| kind | # | workload | floor p50 | fast above the floor [95%] (rounds) | bench (same args) | observer cost [95%] | overhead inside |")
print("|---|---|---|---:|---|---:|---|---|")
negative = {"record": 0, "live": 0}
inside = {"record": 0, "live": 0}
count = {"record": 0, "live": 0}
for s in sessions:
    kind = s["kind"]
    if kind == "record":
        f = s.get("floor") or {}
        above, obs, floor = f.get("fast_above_ns"), f.get("observer_cost_ns"), f.get("bare_p50_ns")
    else:
        above, obs, floor = s.get("fast_above_floor"), s.get("observer"), s.get("floor_p50_ns")
    count[kind] += 1
    if above and above["high_ns"] < 0:
        negative[kind] += 1
    holds = bool(obs) and obs["low_ns"] <= callbacks <= obs["high_ns"]
    inside[kind] += holds
    b = paired_fast.get(s["workload"])
    print(f"| {kind} | {s['session']} | {s['workload']} | {floor or 0:.0f} | {est(above)} | "
          f"{'-' if b is None else f'{b:+.0f}'} | {est(obs)} | {'yes' if holds else 'no'} |")
print()
for kind in ("record", "live"):
    print(f"{kind}: {count[kind]} sessions, {negative[kind]} with the fast path below the floor outside noise, "
          f"overhead's estimate inside the observer-cost interval in {inside[kind]}")
