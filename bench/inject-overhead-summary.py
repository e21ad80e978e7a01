# usage: inject-overhead-summary.py RESULTS.jsonl
#
# Reads the JSON lines bench/inject-overhead.sh collected (one per process of
# bench/inject-overhead.py, with "pair" and "record" added) and prints a Markdown summary of
# what recording costs a framework's launches.
#
# Inside one recorded process, rounds pair the states of launchscope_inject_set_recording:
#   ours      = recording - dispatch only   (our callback's work and the recorder)
#   dispatch  = dispatch only - callbacks off (CUPTI's own dispatch into a callback)
#   in all    = recording - callbacks off   (all a launch pays while recorded, except being
#               subscribed at all, which blocks cannot switch off)
# Each is the median over rounds of the per-round difference, with the order-statistic 95%
# interval of that median; processes are listed one per line.  Across processes (alternated,
# so each recorded process has an unrecorded neighbour): subscribed = callbacks off - the
# unrecorded process; after = detached - unrecorded; torch.profiler - unrecorded.  Those
# compare two processes' medians, which scatter by more than the in-process figures.
import json, math, sys
from collections import defaultdict

GOALS = {"ours": 100, "in all": 300}


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def median_interval(xs):
    """The order-statistic 95% interval of the median: ranks n/2 -+ 0.98 sqrt(n)."""
    s = sorted(xs)
    n = len(s)
    h = 0.98 * math.sqrt(n)
    lo = max(0, int(math.floor(n / 2 - h)))
    hi = min(n - 1, int(math.ceil(n / 2 + h)) - 1)
    return s[lo], s[hi]


def paired(a, b):
    return [x - y for x, y in zip(a, b)]


runs = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
plain = {(r["workload"], r["pair"]): median(r["ns_per_launch"]["None"]) for r in runs if r["mode"] == "unrecorded"}
profiler = {(r["workload"], r["pair"]): median(r["ns_per_launch"]["None"]) for r in runs if r["mode"] == "torch.profiler"}

print("| workload | recorded with | process | unrecorded ns/launch (neighbour) | ours | CUPTI dispatch | in all (in process) | subscribed (across processes) | after detach - unrecorded |")
print("|---|---|---|---|---|---|---|---|---|")
per_kind = defaultdict(list)
for r in runs:
    if r["mode"] != "recorded":
        continue
    s = r["ns_per_launch"]
    base = plain.get((r["workload"], r["pair"]))
    cells = []
    for name, a, b in (("ours", s["2"], s["1"]), ("dispatch", s["1"], s["0"]), ("in all", s["2"], s["0"])):
        d = paired(a, b)
        m, (lo, hi) = median(d), median_interval(d)
        per_kind[(r["workload"], r["record"], name)].append(m)
        cells.append(f"{m:+.0f} [{lo:+.0f}, {hi:+.0f}]")
    sub = f"{median(s['0']) - base:+.0f}" if base else "-"
    after = f"{median(r['detached']) - base:+.0f}" if base and r.get("detached") else "-"
    print(f"| {r['workload']} | {r['record'] or 'callbacks'} | pair {r['pair']} | {base:.0f} | " if base else
          f"| {r['workload']} | {r['record'] or 'callbacks'} | pair {r['pair']} | - | ", end="")
    print(" | ".join(cells) + f" | {sub} | {after} |")

print()
print("Medians over processes (ns per launch), against the goals:")
print()
for (workload, record, name), ms in sorted(per_kind.items()):
    goal = GOALS.get(name) if record == "" else 500 if (record, name) == ("--params", "in all") else None
    if goal is None:
        verdict = ""
    else:
        verdict = f" (goal <= {goal} ns: {'met' if median(ms) <= goal else 'NOT met'})"
    print(f"- {workload}, {record or 'callbacks'}, {name}: {median(ms):+.0f} over {len(ms)} processes "
          f"(range {min(ms):+.0f} .. {max(ms):+.0f}){verdict}")
for (workload, pair), p in sorted(profiler.items()):
    base = plain.get((workload, pair))
    if base:
        print(f"- {workload}, torch.profiler (CUDA activity) - unrecorded, pair {pair}: {p - base:+.0f} "
              f"({p:.0f} vs {base:.0f})")
