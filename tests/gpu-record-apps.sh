#!/bin/sh
# usage: [PAIRS=N] gpu-record-apps.sh CLI OUTDIR
# Records real programs with launchscope-cli record -- COMMAND on a GPU machine (PyTorch eager,
# also with --api runtime, a Triton kernel (with --calibrate), a CUDA graph, two
# torch.multiprocessing workers, NVTX ranges) and checks each report against the program's own
# counts (tests/apps/check_report.py), the exit status passed through, and that report and check
# read it.  Then times the eager and Triton loops unrecorded and recorded, alternating processes.
# Exits 77 without a driver or without torch.
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

# --calibrate: the host's launch costs in every session, and report's savings estimate.  The
# Triton kernel's function comes from a module Triton loaded (cuModuleGetFunction): a JIT launch,
# every one of them; torch's own kernels (torch.zeros, the copy back) are the runtime's: none is.
check_calibrate () {
  res=$($py -c "
import sqlite3, sys
d = sqlite3.connect(sys.argv[1]); q = lambda s: d.execute(s).fetchone()[0]
jit = 'EXISTS (SELECT 1 FROM module_function m WHERE m.session_id = l.session_id AND m.function = l.function)'
named = 'FROM launch l JOIN kernel k ON k.id = l.kernel_id WHERE k.name '
print(q('SELECT count(*) FROM calibration WHERE p50_ns > 0 AND low_ns <= p50_ns AND p50_ns <= high_ns'),
      q('SELECT count(*) FROM session'), q('SELECT count(*) ' + named + \"LIKE 'add_one_kernel%' AND \" + jit),
      q('SELECT count(*) ' + named + \"NOT LIKE 'add_one_kernel%' AND \" + jit),
      q('SELECT count(*) ' + named + \"NOT LIKE 'add_one_kernel%'\"))" "$out/triton.lsdb")
  echo "calibrate: calibration rows, sessions, JIT launches of the Triton kernel, of torch's kernels, torch's launches: $res"
  set -- $res
  [ "${1:-0}" = $((3 * ${2:-0})) ] && [ "${2:-0}" -ge 1 ] || fail "calibrate: ${1:-no} calibration rows for ${2:-no} sessions"
  [ "${3:-0}" = 2001 ] || fail "calibrate: ${3:-none} of the Triton kernel's 2001 launches marked JIT"
  [ "${4:-1}" = 0 ] && [ "${5:-0}" -ge 1 ] || fail "calibrate: ${4:-?} of torch's ${5:-?} launches marked JIT"
  grep -q 'calibrated (p50' "$out/triton.err" || fail "calibrate: record printed no calibration"
  sed -n '/savings estimate (/,/^  total:/p' "$out/triton.report" >"$out/triton.savings"
  cat "$out/triton.savings"
  grep ' add_one_kernel$' "$out/triton.savings" | grep -q ' ns .* ns ' \
    || fail "calibrate: no fast-launcher and graph estimate for the Triton kernel"
  grep -v add_one_kernel "$out/triton.savings" | grep -q 'n/a (not a JIT launcher)' \
    || fail "calibrate: torch's kernels are not marked n/a (not a JIT launcher)"
  grep -q '^  total: a per-spec fast launcher would save [0-9.]* ms over 2001 JIT launches' "$out/triton.savings" \
    || fail "calibrate: no total over the 2001 JIT launches"
}

record eager 3 "$apps/torch_eager.py" 2000
# --api runtime: each eager launch is also a runtime launch call (api_call kind 5), and still one
# launch row.  CUDA 13's <<<>>> may call __cudaLaunchKernel rather than cudaLaunchKernel: both
# are the runtime's kernel launch call.
RECORD_ARGS="--api runtime" record eager_runtime 3 "$apps/torch_eager.py" 2000
if [ -s "$out/eager_runtime.lsdb" ]; then
  made=$(grep '^{' "$out/eager_runtime.out" | tail -1 | sed 's/.*"launches": \([0-9]*\).*/\1/')
  counts=$($py -c "import sqlite3,sys
q=lambda f,s: sqlite3.connect(f'file:{f}?mode=ro', uri=True).execute(s).fetchone()[0]
print(q(sys.argv[1], \"SELECT count(*) FROM api_call WHERE kind = 5 AND name IN ('cudaLaunchKernel', \"
        \"'cudaLaunchKernel_ptsz', '__cudaLaunchKernel', '__cudaLaunchKernel_ptsz')\"),
      q(sys.argv[1], 'SELECT count(*) FROM launch'), q(sys.argv[2], 'SELECT count(*) FROM launch'),
      q(sys.argv[1], \"SELECT group_concat(name || ':' || n) FROM (SELECT name, count(*) AS n FROM api_call \"
                     \"WHERE kind = 5 GROUP BY name ORDER BY n DESC LIMIT 6)\"))" "$out/eager_runtime.lsdb" "$out/eager.lsdb")
  echo "api runtime: runtime launch calls, launches with and without --api runtime, runtime calls: $counts"
  set -- $counts
  [ "${1:-0}" -ge "${made:-1}" ] \
    || fail "eager_runtime: ${1:-0} runtime launch calls recorded, the program made ${made:-?} launches"
  [ -n "${2:-}" ] && [ "$2" = "${3:-}" ] \
    || fail "eager_runtime: ${2:-?} launches with --api runtime, ${3:-?} without"
else
  fail "eager_runtime: no report"
fi
# With kernel activity, each launch row joins its kernel by the correlation id of its driver call:
# the runtime call around it, with a correlation id of its own, must not take the kernel's.
for api in driver runtime; do
  "$cli" record -o "$out/activity_$api.lsdb" --force --cupti activity --api $api -- \
    $py "$apps/torch_eager.py" 200 >"$out/activity_$api.out" 2>&1
  joined=$($py -c "import sqlite3,sys
d = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True)
print(*d.execute('SELECT count(*), count(gpu_ns) FROM launch').fetchone())" "$out/activity_$api.lsdb")
  echo "activity, --api $api: launches, launches joined to their kernel: $joined"
  set -- $joined
  [ "${1:-0}" -gt 0 ] && [ "$1" = "${2:-}" ] \
    || fail "activity_$api: ${2:-?} of ${1:-?} launches joined their kernel"
done
if $py -c "import triton" 2>/dev/null; then
  RECORD_ARGS="--calibrate" record triton 0 "$apps/triton_loop.py" 2000
  check_calibrate
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
