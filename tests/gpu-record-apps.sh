#!/bin/sh
# usage: [PAIRS=N] gpu-record-apps.sh CLI OUTDIR
# Records real programs with launchscope-cli record -- COMMAND on a GPU machine (PyTorch eager,
# a Triton kernel, a CUDA graph, two torch.multiprocessing workers, NVTX ranges) and checks each report
# against the program's own counts (tests/apps/check_report.py), the exit status passed through,
# and that report and check read it.  Then times the eager and Triton loops unrecorded and
# recorded, alternating processes.  Exits 77 without a driver or without torch.
set -u
cli=$1 out=$2
apps=$(dirname "$0")/apps
mkdir -p "$out"
py=python3
if ! $py -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  [ -x /opt/torch/.venv/bin/python3 ] && py=/opt/torch/.venv/bin/python3
  $py -c "import torch; assert torch.cuda.is_available()" 2>/dev/null || { echo "SKIP: no torch with CUDA here"; exit 77; }
fi
fails=0
fail () { echo "FAIL $*"; fails=$((fails + 1)); }

record () { # name want-status program args...  (RECORD_ARGS: more options for record)
  name=$1 want=$2
  shift 2
  "$cli" record -o "$out/$name.lsdb" --force ${RECORD_ARGS:-} -- $py "$@" >"$out/$name.out" 2>"$out/$name.err"
  rc=$?
  cat "$out/$name.err"
  [ "$rc" = "$want" ] || fail "$name: record exited $rc, the program's status is $want"
  expect=$(grep '^{' "$out/$name.out" | tail -1)
  [ -n "$expect" ] || { fail "$name: the program printed no counts"; return; }
  "$cli" report --json "$out/$name.lsdb" >"$out/$name.json" 2>"$out/$name.json.err" || fail "$name: report --json failed"
  $py "$apps/check_report.py" "$out/$name.lsdb" "$expect" "$out/$name.json" || fails=$((fails + 1))
  "$cli" check "$out/$name.lsdb" >"$out/$name.check" 2>&1 || fail "$name: check: $(cat "$out/$name.check")"
  "$cli" report "$out/$name.lsdb" >"$out/$name.report" 2>&1 || fail "$name: report failed"
}

record eager 3 "$apps/torch_eager.py" 2000
if $py -c "import triton" 2>/dev/null; then
  record triton 0 "$apps/triton_loop.py" 2000
else
  echo "SKIP triton: not installed"
fi
# --params: Triton's kernels give their parameter layout, so their launches get spec keys.
if $py -c "import triton" 2>/dev/null; then
  "$cli" record -o "$out/params.lsdb" --force --params -- $py "$apps/triton_loop.py" 2000 >"$out/params.out" 2>&1
  "$cli" report "$out/params.lsdb" >"$out/params.report" 2>&1
  keyed=$($py -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(d.execute('SELECT count(*) FROM launch WHERE params = 1').fetchone()[0], d.execute('SELECT group_concat(DISTINCT params) FROM launch').fetchone()[0])" "$out/params.lsdb")
  echo "params: launches with a key, kinds of answer: $keyed"
  case $keyed in 0\ *|"") fail "params: no Triton launch got a spec key ($keyed)" ;; esac
  grep -A6 'inferred from values' "$out/params.report"
fi
RECORD_ARGS="--capture-range cudaProfilerApi" record range 0 "$apps/torch_range.py"
record graph 0 "$apps/torch_graph.py"
record two_procs 0 "$apps/torch_two_procs.py"
record profiler 0 "$apps/torch_profiler.py"
# NVTX ranges: the launches inside each named range, as report groups them.
record nvtx 0 "$apps/torch_nvtx.py"
grep -A6 '^NVTX ranges' "$out/nvtx.report"

pairs=${PAIRS:-3}
[ "$pairs" -gt 0 ] && echo "== host time per launch, the program's own clock (ns), alternating processes =="
for prog in torch_eager triton_loop; do
  [ "$pairs" -gt 0 ] || break
  for i in $(seq "$pairs"); do
    plain=$($py "$apps/$prog.py" 20000 2>/dev/null | grep '^{' | sed 's/.*"ns_per_launch": \([0-9.]*\).*/\1/')
    rec=$("$cli" record -o "$out/time.lsdb" --force -- $py "$apps/$prog.py" 20000 2>/dev/null | grep '^{' | sed 's/.*"ns_per_launch": \([0-9.]*\).*/\1/')
    echo "$prog pair $i: unrecorded $plain recorded $rec"
  done
done
[ "$fails" = 0 ] && echo "gpu-record-apps: all passed" || echo "gpu-record-apps: $fails failed"
[ "$fails" = 0 ]
