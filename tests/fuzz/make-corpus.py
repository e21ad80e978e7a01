#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make-corpus.py — writes the fuzzers' seed corpora under tests/fuzz/corpus/<fuzzer>/.
#
#   python3 tests/fuzz/make-corpus.py          (from the source root; rewrites every seed)
#
# Seeds are small (the largest report is about 130 KiB) and deterministic, so the committed
# files only change when this script does.  The report seeds are SQLite files made with
# Python's sqlite3 from the schema in src/launchscope/lsc-schema.h: a valid report, then
# hostile variants — wrong value and declared types, missing tables, a table replaced by an
# endless recursive view, hostile views and triggers, huge rows, a generated column that fails
# when read, WITHOUT ROWID, extreme integers, orphans, a newer and an older user_version, a
# foreign application_id, WAL mode, tiny pages, truncation and flipped bytes.
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
APP_ID = 0x4C534442
VERSION = 1


def schema_sql():
    """LSC_SCHEMA_SQL from lsc-schema.h: the concatenated C string literals of the macro."""
    text = open(os.path.join(ROOT, "src", "launchscope", "lsc-schema.h")).read()
    body = text[text.index("#define LSC_SCHEMA_SQL"):text.index("#define LSC_SCHEMA_INDEX_SQL")]
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
    return "".join(parts).encode().decode("unicode_escape")


def write(fuzzer, name, data):
    d = os.path.join(OUT, fuzzer)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- reports -------------------------------------------------------------------------------------


def new_report(path, page_size=1024, wal=False, rows=40):
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA page_size={page_size}")
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA application_id={APP_ID}")
    db.execute(f"PRAGMA user_version={VERSION}")
    db.executescript(schema_sql())
    db.execute(
        "INSERT INTO session (id, host, gpu, driver_version, toolkit, nvrtc, cpu, settings, workload, start_ns,"
        " stop_ns, start_wall, dropped_rows, observer_overhead_ns, cupti_mode, cupti_status, raw_floor_p50_ns)"
        " VALUES (1, 'seed (Linux)', '0: Test double', 13000, 'CUDA 13.0 (headers)', '13.0', 'cpu',"
        " '{\"pid\": 4242, \"workload\": \"add3\"}', 'add3', 1000, 900000, '2026-11-25T12:00:00Z', 3, 12.5,"
        " 'callbacks', 'callbacks on', 3500.0)")
    db.execute("INSERT INTO kernel VALUES (1, 1, 'add3', 'add', '*fp32, *fp32, *fp32, i32', 'num_warps=4')")
    db.execute("INSERT INTO spec (id, kernel_id, key, description, ptr_alignment, int_classes, debug,"
               " instrumentation, compile_hook, compile_ms, hits, misses, first_ns, last_ns)"
               " VALUES (1, 1, 519, 'arg0=aligned arg1=aligned arg2=aligned arg3=div16 debug=off', 'AAA', 'D', 0,"
               " 'none', 0, 12.5, 30, 1, 1100, 5000)")
    db.execute("INSERT INTO spec (id, kernel_id, key, description, ptr_alignment, int_classes, debug,"
               " instrumentation, compile_hook, compile_ms, hits, misses, first_ns, last_ns)"
               " VALUES (2, 1, 72057594037928455, 'debug=on', 'AAA', 'D', 1, 'none', 0, NULL, 5, 1, 2000, 6000)")
    rnd = random.Random(7)
    for i in range(rows):
        path_ = 0 if i % 5 else 1
        outcome = 0 if path_ == 0 else (2 if i % 3 else 3)
        reason = 3 if outcome == 2 else 0
        staged = path_ == 1
        db.execute(
            "INSERT INTO launch (session_id, kernel_id, spec_id, thread, path, outcome, reason, status, start_ns,"
            " host_ns, resolve_ns, bind_ns, specialize_ns, key_ns, lookup_ns, globals_ns, metadata_ns, launch_ns,"
            " correlation_id, api_start_ns, api_ns, gpu_start_ns, gpu_ns)"
            " VALUES (1, 1, ?, 77, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (1 + (i % 7 == 0), path_, outcome, reason, 7 if i == 13 else 0, 1100 + i * 100, 300 + rnd.randrange(900),
             *( [rnd.randrange(100) for _ in range(8)] if staged else [None] * 8 ),
             i + 1, 1150 + i * 100, 250, 2000 + i * 100, 1500))
    for t, kind, text in [(1200, "compile", "add3: compiled in 12.5 ms"), (2500, "toggle", "debug on at launch 10"),
                          (2600, "fallback", "add3: fallback to the default path (skip-switch)"),
                          (3000, "error", "kernel 'add3': cuLaunchKernel: CUDA_ERROR_OUT_OF_MEMORY"),
                          (3100, "info", "raw cuLaunchKernel floor"), (3200, "other kind", "?")]:
        db.execute("INSERT INTO event (session_id, t_ns, kind, kernel_id, text) VALUES (1, ?, ?, 1, ?)", (t, kind, text))
    for i in range(5):
        db.execute("INSERT INTO gpu_activity VALUES (?, 1, ?, ?, 0, 1, 7, 'add', 1, 1, 1, 128, 1, 1, 0, 32)",
                   (i + 1, 2000 + i * 100, 3500 + i * 100))
    # The engine's counters cover at least the rows (rings may have dropped some).
    db.execute("UPDATE spec SET hits = 3 + (SELECT count(*) FROM launch WHERE spec_id = spec.id AND outcome = 0),"
               " misses = 1 + (SELECT count(*) FROM launch WHERE spec_id = spec.id AND outcome = 1)")
    db.commit()
    return db


def report_bytes(mutate=None, **kw):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "r.lsdb")
        db = new_report(p, **kw)
        if mutate:
            mutate(db)
            db.commit()
        if kw.get("wal"):
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return open(p, "rb").read()


def recreate(db, table, ddl):
    """Replaces table with ddl (same columns, other declarations), keeping the rows."""
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
    db.execute(ddl)
    db.execute(f"INSERT INTO {table} SELECT * FROM old_{table}")
    db.execute(f"DROP TABLE old_{table}")


LAUNCH_COLUMNS = ("id, session_id, kernel_id, spec_id, thread, path, outcome, reason, status, start_ns, host_ns,"
                  " resolve_ns, bind_ns, specialize_ns, key_ns, lookup_ns, globals_ns, metadata_ns, launch_ns,"
                  " correlation_id, api_start_ns, api_ns, gpu_start_ns, gpu_ns")
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"


def report_seeds():
    seeds = {}
    seeds["valid.lsdb"] = report_bytes()
    seeds["valid-wal.lsdb"] = report_bytes(wal=True)
    seeds["valid-512-byte-pages.lsdb"] = report_bytes(page_size=512, rows=120)
    seeds["empty-report.lsdb"] = report_bytes(lambda db: db.executescript(
        "DELETE FROM launch; DELETE FROM event; DELETE FROM gpu_activity; DELETE FROM spec; DELETE FROM kernel;"
        " DELETE FROM session;"), rows=0)
    seeds["newer-user-version.lsdb"] = report_bytes(lambda db: db.execute(f"PRAGMA user_version={VERSION + 1}"))
    seeds["older-user-version.lsdb"] = report_bytes(lambda db: db.execute("PRAGMA user_version=0"))
    seeds["foreign-application-id.lsdb"] = report_bytes(lambda db: db.execute("PRAGMA application_id=1"))

    # Version 5's NVTX ranges on the launches' thread: nested, overlapping, still open, ending
    # before they start, in a domain, unnamed, named in bytes that are not UTF-8, on another
    # thread and on one that is not an integer.
    def nvtx_ranges(db):
        db.execute("PRAGMA user_version=5")
        for row in [(77, None, "step", 0, 1000, 6000), (77, None, "inner", 1, 1500, 2500),
                    (77, "dom", "overlap", None, 2000, 4000), (77, None, "open", 0, 4500, None),
                    (77, None, None, 0, 3000, 2000), (77, None, b"\xff\xfe bytes", 0, 1100, 1300),
                    (78, None, "elsewhere", 0, 1000, 9000), ("x", None, "typed", 0, 1000, 2000),
                    (77, None, "step", 0, -9223372036854775808, 9223372036854775807)]:
            db.execute("INSERT INTO nvtx_range (session_id, thread, domain, name, depth, start_ns, end_ns)"
                       " VALUES (1, ?, ?, ?, ?, ?, ?)", row)
    seeds["nvtx-ranges.lsdb"] = report_bytes(nvtx_ranges)

    def foreign(db):
        db.executescript("DROP VIEW path_percentiles; DROP VIEW fallback_reasons; DROP VIEW launch_named;"
                         " DROP TABLE launch; DROP TABLE event; DROP TABLE gpu_activity; DROP TABLE spec;"
                         " DROP TABLE kernel; DROP TABLE session; DROP TABLE path; DROP TABLE outcome;"
                         " DROP TABLE reason; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                         " INSERT INTO notes (body) VALUES ('not a report');")
        db.execute("PRAGMA application_id=0")
        db.execute("PRAGMA user_version=0")
    seeds["other-sqlite-database.lsdb"] = report_bytes(foreign)

    def wrong_values(db):
        db.executescript(
            "UPDATE launch SET host_ns = 'fast' WHERE id % 3 = 0;"
            "UPDATE launch SET path = 3.75 WHERE id = 2; UPDATE launch SET outcome = 99 WHERE id = 3;"
            "UPDATE launch SET reason = -5 WHERE id = 4; UPDATE launch SET start_ns = X'00FF00FF' WHERE id = 5;"
            "UPDATE launch SET spec_id = 999, kernel_id = 888 WHERE id = 6; UPDATE launch SET status = 'bad' WHERE id = 7;"
            "UPDATE launch SET session_id = 5 WHERE id = 8; UPDATE launch SET thread = 1e300 WHERE id = 9;"
            "UPDATE spec SET key = 'not a key' WHERE id = 1; UPDATE spec SET hits = -1, compile_ms = 'slow' WHERE id = 2;"
            "UPDATE session SET start_ns = 'then', stop_ns = X'01', driver_version = 'x', observer_overhead_ns = 'y',"
            " dropped_rows = -7, settings = '{\"pid\": 99999999999999999999999999, \"pid\": {\"pid\": [}';"
            "UPDATE event SET t_ns = 'soon' WHERE id = 1; UPDATE event SET kind = X'FFFE' WHERE id = 2;"
            "UPDATE event SET text = X'C0AFED' WHERE id = 3; UPDATE kernel SET name = X'80';"
            "UPDATE gpu_activity SET start_ns = 'a', end_ns = -1 WHERE correlation_id = 1;")
    seeds["wrong-value-types.lsdb"] = report_bytes(wrong_values)

    seeds["wrong-declared-types.lsdb"] = report_bytes(lambda db: recreate(db, "launch",
        "CREATE TABLE launch (id TEXT PRIMARY KEY, session_id TEXT, kernel_id BLOB, spec_id REAL, thread TEXT,"
        " path TEXT, outcome TEXT, reason TEXT, status TEXT, start_ns TEXT, host_ns TEXT, resolve_ns, bind_ns,"
        " specialize_ns, key_ns, lookup_ns, globals_ns, metadata_ns, launch_ns, correlation_id, api_start_ns,"
        " api_ns, gpu_start_ns, gpu_ns)"))
    seeds["missing-column.lsdb"] = report_bytes(lambda db: db.executescript(
        "DROP VIEW launch_named; DROP VIEW path_percentiles; ALTER TABLE launch DROP COLUMN host_ns;"))
    seeds["missing-table.lsdb"] = report_bytes(lambda db: db.execute("DROP TABLE spec"))

    def table_is_view(db):
        db.executescript("DROP VIEW launch_named; DROP VIEW path_percentiles; DROP VIEW fallback_reasons;"
                         " DROP TABLE launch;"
                         f" CREATE VIEW launch ({LAUNCH_COLUMNS}) AS {ENDLESS}"
                         " SELECT x, 1, 1, 1, 1, 0, 0, 0, 0, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x FROM c;")
    seeds["table-is-endless-view.lsdb"] = report_bytes(table_is_view)

    def hostile_views(db):
        db.executescript("DROP VIEW path_percentiles; DROP VIEW fallback_reasons;"
                         f" CREATE VIEW path_percentiles AS {ENDLESS} SELECT x AS path, x AS p50_ns FROM c;"
                         " CREATE VIEW fallback_reasons AS SELECT abs(-9223372036854775808) AS reason;"
                         f" CREATE VIEW extra_view AS {ENDLESS} SELECT randomblob(1000000) FROM c;")
    seeds["hostile-views.lsdb"] = report_bytes(hostile_views)

    def triggers(db):
        db.executescript(
            "CREATE TABLE audit (t TEXT);"
            "CREATE TRIGGER wipe AFTER INSERT ON launch BEGIN DELETE FROM session; END;"
            "CREATE TRIGGER spy BEFORE UPDATE ON session BEGIN INSERT INTO audit VALUES (old.host); END;"
            "CREATE TRIGGER boom BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'no'); END;"
            "CREATE TRIGGER on_view INSTEAD OF INSERT ON launch_named BEGIN DELETE FROM launch; END;")
    seeds["triggers.lsdb"] = report_bytes(triggers)

    def huge_rows(db):
        db.execute("UPDATE session SET host = ?, settings = ?", ("h" * 40000, "{" + "\"k\": 1, " * 3000 + "\"pid\": 1}"))
        db.execute("UPDATE kernel SET name = ?", ("n" * 20000,))
        db.execute("UPDATE event SET text = ? WHERE id = 1", ("t" * 30000,))
        db.execute("UPDATE spec SET description = ?, ptr_alignment = ? WHERE id = 1", ("d" * 8000, "A" * 8000))
    seeds["huge-rows.lsdb"] = report_bytes(huge_rows)

    def failing_generated_column(db):
        db.executescript("DROP VIEW launch_named; DROP VIEW path_percentiles; DROP VIEW fallback_reasons;")
        recreate(db, "gpu_activity",
                 "CREATE TABLE gpu_activity (correlation_id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,"
                 " start_ns INTEGER, end_ns INTEGER, device_id INTEGER, context_id INTEGER, stream_id INTEGER,"
                 " name TEXT, grid_x INTEGER, grid_y INTEGER, grid_z INTEGER, block_x INTEGER, block_y INTEGER,"
                 " block_z INTEGER, shared_mem INTEGER, registers INTEGER,"
                 " boom INTEGER GENERATED ALWAYS AS (abs(-9223372036854775807 - start_ns)) VIRTUAL)")
    seeds["failing-generated-column.lsdb"] = report_bytes(failing_generated_column)

    def without_rowid(db):
        recreate(db, "event", "CREATE TABLE event (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,"
                 " t_ns INTEGER NOT NULL, kind TEXT NOT NULL, kernel_id INTEGER, launch_seq INTEGER,"
                 " text TEXT NOT NULL) WITHOUT ROWID")
        db.execute("CREATE INDEX odd ON launch (abs(start_ns), host_ns || 'x')")
    seeds["without-rowid-and-expression-index.lsdb"] = report_bytes(without_rowid)

    def extremes(db):
        db.executescript(
            "UPDATE launch SET host_ns = 9223372036854775807 WHERE id % 2 = 0;"
            "UPDATE launch SET host_ns = -9223372036854775808 WHERE id % 5 = 1;"
            "UPDATE launch SET start_ns = -9223372036854775808 WHERE id = 3;"
            "UPDATE launch SET start_ns = 9223372036854775807, resolve_ns = 9223372036854775807,"
            " bind_ns = 9223372036854775807 WHERE id = 5;"
            "UPDATE launch SET api_ns = -1, gpu_ns = 9223372036854775807, gpu_start_ns = -9223372036854775808;"
            "UPDATE session SET start_ns = 9223372036854775807, stop_ns = -9223372036854775808,"
            " observer_overhead_ns = 1e308, raw_floor_p50_ns = -1e308, dropped_rows = 9223372036854775807;"
            "UPDATE spec SET key = -9223372036854775808, hits = 9223372036854775807, compile_ms = 1e308 WHERE id = 1;"
            "UPDATE spec SET key = 9223372036854775807, misses = -9223372036854775808 WHERE id = 2;"
            "UPDATE event SET t_ns = -9223372036854775808 WHERE id = 2;"
            "UPDATE gpu_activity SET start_ns = 9223372036854775807, end_ns = -9223372036854775808,"
            " grid_x = -1, block_x = 9223372036854775807;")
        db.execute("INSERT INTO launch (session_id, path, outcome, status, start_ns, host_ns) VALUES (1, 0, 0, 0, 0,"
                   " 9223372036854775807)")
    seeds["extreme-integers.lsdb"] = report_bytes(extremes)

    def orphans(db):
        for s in range(2, 40):
            db.execute("INSERT INTO session (id, start_ns) VALUES (?, ?)", (s * 3, s))
        db.executescript("UPDATE launch SET session_id = 1000 + id WHERE id % 4 = 0;"
                         "UPDATE event SET session_id = 77, kernel_id = 9999;"
                         "INSERT INTO kernel (session_id, name) VALUES (123456, 'orphan');"
                         "INSERT INTO spec (kernel_id, key) VALUES (424242, 5);")
        recreate(db, "spec", "CREATE TABLE spec (id INTEGER PRIMARY KEY, kernel_id INTEGER NOT NULL REFERENCES"
                 " kernel(id), key INTEGER NOT NULL, description TEXT, ptr_alignment TEXT, int_classes TEXT, debug"
                 " INTEGER, instrumentation TEXT, compile_hook INTEGER, compile_ms REAL, hits INTEGER NOT NULL DEFAULT"
                 " 0, misses INTEGER NOT NULL DEFAULT 0, first_ns INTEGER, last_ns INTEGER)")
        db.execute("INSERT INTO spec (kernel_id, key) VALUES (1, 519)")  # a duplicate key
    seeds["orphans-and-duplicate-keys.lsdb"] = report_bytes(orphans)

    def nulls(db):
        db.executescript("UPDATE session SET host = NULL, gpu = NULL, driver_version = NULL, settings = NULL,"
                         " workload = NULL, stop_ns = NULL, start_wall = NULL, observer_overhead_ns = NULL,"
                         " cupti_mode = NULL, cupti_status = NULL, raw_floor_p50_ns = NULL;"
                         "UPDATE launch SET kernel_id = NULL, spec_id = NULL, host_ns = NULL WHERE id % 2 = 1;"
                         "UPDATE spec SET description = NULL, ptr_alignment = NULL, int_classes = NULL,"
                         " instrumentation = NULL, compile_ms = NULL, first_ns = NULL;"
                         "UPDATE kernel SET entry = NULL, signature = NULL, config = NULL;")
    seeds["nulls.lsdb"] = report_bytes(nulls)

    valid = seeds["valid.lsdb"]
    seeds["truncated-two-pages.lsdb"] = valid[:2048]
    seeds["header-only.lsdb"] = valid[:100]
    seeds["zero-bytes.lsdb"] = b""
    seeds["not-sqlite.lsdb"] = b"LSDB? no: a text file that is not a database\n" * 4
    flipped = bytearray(valid)
    rnd = random.Random(11)
    for _ in range(24):
        i = rnd.randrange(100, len(flipped))
        flipped[i] ^= 1 << rnd.randrange(8)
    seeds["flipped-bits.lsdb"] = bytes(flipped)
    torn = bytearray(valid)
    torn[3 * 1024:4 * 1024] = b"\0" * 1024  # a page of zeros
    seeds["zeroed-page.lsdb"] = bytes(torn)
    big_header = bytearray(valid)
    big_header[28:32] = (0x7FFFFFFF).to_bytes(4, "big")  # database size in pages
    seeds["lying-page-count.lsdb"] = bytes(big_header)
    return seeds


# ---- text seeds ------------------------------------------------------------------------------------

SIGNATURES = [
    "*fp32, *fp32, *fp32, i32", "*fp32,*fp32,i32", "", "   ", "i32", "constexpr", "*fp32, i32, constexpr",
    "i1, i8, i16, i32, i64, u8, u16, u32, u64, fp16, bf16, fp32, fp64",
    "*i8, *i16, *i32, *i64, *u8, *u16, *u32, *u64, *fp16, *bf16, *fp32, *fp64",
    ", ".join(["*fp32"] * 64), ", ".join(["i32"] * 64), ", ".join(["*fp32"] * 65), ", ".join(["i64"] * 30),
    "*fp32,,i32", "*fp32, i32,", ",", "*fp32 i32", "* fp32", "fp33", "*", "\t*fp16 ,\n bf16", "i32\x00i32",
    "constexpr, constexpr, constexpr, *fp64, fp64",
]
# After '\n': argument bytes (selector, then up to 8 value bytes when its top bit is set).
SIGNATURE_ARGS = [
    b"\n" + bytes([0, 0, 0, 0]),
    b"\n" + bytes([0x81, 0, 0, 0, 0, 0, 0, 0, 4, 0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    b"\n" + bytes([5, 6, 7, 3, 4, 0x84, 0x7f, 0xf0, 0, 0, 0, 0, 0, 1]),
]

HEADERS = [
    "// launchscope: entry=scale\n// launchscope: signature=*fp32, *fp32, i32\n"
    "extern \"C\" __global__ void scale(float *o, const float *i, int n) {}\n",
    "// My kernel\n//\n// launchscope: entry=k\n// launchscope: signature=i32, constexpr\n"
    "// launchscope: globals=SCALE, OFFSET\n\n#include <x.h>\n",
    "  //launchscope:entry = spaced   \r\n//   launchscope:   signature =  *fp16  \r\n",
    "// launchscope: entry=k\n",
    "// launchscope: signature=i32\n",
    "// launchscope: entry=k\n// launchscope: entry=k\n// launchscope: signature=i32\n",
    "// launchscope: entyr=k\n",
    "// launchscope: entry\n",
    "// launchscope: entry=1bad\n// launchscope: signature=i32\n",
    "// launchscope: entry=k\n// launchscope: signature=*fp99\n",
    "// launchscope: entry=k\n// launchscope: signature=i32\n// launchscope: globals=" +
    ",".join(f"G{i}" for i in range(70)) + "\n",
    "// launchscope: entry=k\n// launchscope: signature=i32\n// launchscope: globals=A,,B\n",
    "// launchscope: entry=" + "e" * 200 + "\n// launchscope: signature=i32\n",
    "// launchscope: entry=k\n// launchscope: signature=" + ", ".join(["i32"] * 200) + "\n",
    "int x;\n// launchscope: entry=k\n// launchscope: signature=i32\n",
    "// launchscope: entry=k\n// launchscope: signature=i32",
    "",
    "// launchscope: entry=k\x00// launchscope: signature=i32\n",
]

CLI_ARGS = [
    ["-o", "r.lsdb"],
    ["-o", "r.lsdb", "--workload", "add8,empty,add2,add32", "--iters", "20000", "--toggle", "debug@5000",
     "--toggle", "offset@10000", "-t", "skip@15000", "--toggle=timing@0", "--toggle", "lineinfo@1000000000",
     "--toggle", "default@7"],
    ["--output=r.lsdb", "-w", "add1", "-i", "0"],
    ["-o", "r.lsdb", "-w", "add33"], ["-o", "r.lsdb", "-w", ""], ["-o", "r.lsdb", "-w", ",,,"],
    ["-o", "r.lsdb", "-w", "add2,add2,add2,add2,add2,add2,add2,add2,add2"],
    ["-o", "r.lsdb", "-w", "add 8"], ["-o", "r.lsdb", "-w", "add+08,emptyx"],
    ["-o", "r.lsdb", "--cupti", "activity", "--cupti-lib", "/x", "--ring", "64", "--raw-floor", "0", "-d", "1024",
     "-n", "268435456", "-f", "-q"],
    ["-o", "r.lsdb", "--cupti", "sometimes"], ["-o", "r.lsdb", "--ring", "63"], ["-o", "r.lsdb", "-i", "99999999999999999999"],
    ["-o", "r.lsdb", "-t", "debug"], ["-o", "r.lsdb", "-t", "@5"], ["-o", "r.lsdb", "-t", "debug@-1"],
    ["-o", "r.lsdb", "-t", "debug@ 5"], ["-o", "r.lsdb", "-t", "debug@5x"], ["-o", "r.lsdb", "-t", "debuggery@5"],
    ["-h"], ["-o", "r.lsdb", "-qfh"], ["-o"], ["--bogus"], ["-x"], ["r.lsdb"], ["-o", "r.lsdb", "extra"],
    ["-o", "r.lsdb", "--"] + ["-t", "skip@1"] * 70, ["-o", "r.lsdb"] + ["-t", "skip@1"] * 65,
]


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for name, data in report_seeds().items():
        write("fuzz-report", name, data)
    for i, s in enumerate(SIGNATURES):
        write("fuzz-signature", f"signature-{i:02d}", s)
        for j, a in enumerate(SIGNATURE_ARGS):
            if i % 4 == j:
                write("fuzz-signature", f"signature-{i:02d}-args-{j}", s.encode() + a)
    for i, h in enumerate(HEADERS):
        write("fuzz-user-kernel", f"header-{i:02d}.cu", h)
    for i, args in enumerate(CLI_ARGS):
        write("fuzz-cli", f"record-{i:02d}", b"\0".join(a.encode() for a in args))
    total = 0
    for d, _, files in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    print(f"wrote {sum(len(f) for _, _, f in os.walk(OUT))} seeds, {total // 1024} KiB, under {OUT}")


if __name__ == "__main__":
    sys.exit(main())
