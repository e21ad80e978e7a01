# Checks a report recorded from one of the programs here against the program's own counts
# (its last stdout line, JSON), and against what report --json made of it (SUMMARY, a file).
# Prints one line per check; exits 1 if any failed.
# usage: check_report.py REPORT EXPECT-JSON [SUMMARY]
import json, sqlite3, sys

report, expect_line = sys.argv[1], sys.argv[2]
summary = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None
e = json.loads(expect_line)
db = sqlite3.connect(f"file:{report}?mode=ro", uri=True)
q = lambda sql, *a: db.execute(sql, a).fetchone()[0]
failed = 0

def check(what, ok, detail):
    global failed
    print(("ok  " if ok else "FAIL") + f" {e['program']}: {what}: {detail}")
    failed += not ok

like = e["kernel_like"]
matching = q("SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE k.name LIKE ?", like)
names = [r[0] for r in db.execute("SELECT DISTINCT k.name FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                                  "WHERE k.name LIKE ? LIMIT 3", (like,))]
if "launches" in e:
    check("launches of the program's kernel", matching == e["launches"], f"{matching} recorded, {e['launches']} made; {names}")
if "workers" in e:
    sessions = db.execute("SELECT l.session_id, count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id "
                          "WHERE k.name LIKE ? GROUP BY l.session_id", (like,)).fetchall()
    counts = sorted(c for _, c in sessions)
    check("one session per worker", counts == [e["launches_each"]] * e["workers"], f"per session {counts}")
if "captured" in e:
    check("eager and captured launches", matching == e["captured"] + e["eager"],
          f"{matching} recorded (a replay's kernels have no launch call of their own)")
    graphs = q("SELECT count(*) FROM launch WHERE path = 3")
    check("one graph row per replay", graphs == e["replays"], f"{graphs} graph rows, {e['replays']} replays")
    captured = q("SELECT count(*) FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE k.name LIKE ? AND "
                 "l.captured = 1", like)
    check("launches made during capture marked captured", captured == e["captured"],
          f"{captured} marked, {e['captured']} captured")
for kind, key in ((2, "syncs_at_least"), (3, "copies_at_least")):
    if key in e:
        n = q("SELECT count(*) FROM api_call WHERE kind = ?", kind)
        seen = [r[0] for r in db.execute("SELECT DISTINCT name FROM api_call WHERE kind = ? LIMIT 5", (kind,))]
        check(f"calls of kind {kind} between launches", n >= e[key], f"{n} recorded, at least {e[key]} made; {seen}")
if "range_launches" in e:
    # Each range once, at its nesting depth (NULL for a start/end range), and ended.
    for name, depth in e["range_depths"].items():
        rows = db.execute("SELECT depth, end_ns IS NOT NULL FROM nvtx_range WHERE domain IS NULL AND name = ?",
                          (name,)).fetchall()
        check(f"NVTX range {name!r} recorded", rows == [(depth, 1)], f"rows (depth, ended): {rows}")
    groups = {(g["domain"], g["name"]): g for g in (summary or {}).get("nvtx_ranges", [])}
    for name, made in e["range_launches"].items():
        got = groups.get((None, name), {}).get("launches")
        check(f"launches inside NVTX range {name!r} (report --json)", got == made, f"{got} counted, {made} made")
check("every launch call's configuration read",
      q("SELECT count(*) FROM launch WHERE path = 2 AND (grid_x IS NULL OR block_x IS NULL OR stream IS NULL)") == 0,
      f"{q('SELECT count(DISTINCT stream) FROM launch WHERE path = 2')} streams, grids "
      f"{[r[0] for r in db.execute('SELECT DISTINCT grid_x FROM launch WHERE path = 2 LIMIT 4')]}")
check("every launch has API times and a correlation id",
      q("SELECT count(*) FROM launch WHERE api_ns IS NULL OR correlation_id IS NULL") == 0,
      f"{q('SELECT count(*) FROM launch')} launches")
check("sessions stopped", q("SELECT count(*) FROM session WHERE stop_ns IS NULL") == 0,
      f"{q('SELECT count(*) FROM session')} sessions; gpu {q('SELECT gpu FROM session LIMIT 1')!r}")
sys.exit(1 if failed else 0)
