#!/bin/sh
# usage: [PAIRS=N] [ROUNDS=N] [BLOCK=N] bench/inject-overhead.sh CLI OUTDIR
#
# What recording costs a framework's launches, on a GPU machine with torch (and triton):
# PyTorch eager x.add_(1) and a Triton kernel in a Python loop, each timed by the program's
# clock (bench/inject-overhead.py) in alternating processes: unrecorded, under torch.profiler
# (CUDA activity), and under launchscope-cli record with callbacks, --params, --cupti activity
# and --api runtime, where each recorded process pairs its recording states round by round.
# Writes OUTDIR/inject-overhead.jsonl, the reports, and OUTDIR/inject-overhead.md.
set -u
cli=$1 out=$2
here=$(dirname "$0")
pairs=${PAIRS:-2} rounds=${ROUNDS:-60} block=${BLOCK:-500}
mkdir -p "$out"
py=python3
$py -c "import torch; assert torch.cuda.is_available()" 2>/dev/null || { echo "SKIP: no torch with CUDA here"; exit 77; }
results=$out/inject-overhead.jsonl
: >"$results"

run () { # pair record-options... -- program args
  pair=$1 opts=$2
  shift 2
  if [ "$opts" = unrecorded ]; then
    line=$("$@" 2>"$out/last.err" | grep '^{')
    record=""
  else
    # shellcheck disable=SC2086 # the options are words
    line=$("$cli" record -o "$out/inject.lsdb" --force $opts -- "$@" 2>"$out/last.err" | grep '^{')
    record=$opts
    [ "$opts" = "--cupti callbacks" ] && record=""
  fi
  if [ -z "$line" ]; then
    echo "inject-overhead: no result from ${opts}: $(tail -3 "$out/last.err")" >&2
    return
  fi
  echo "$line" | $py -c "import json,sys; r=json.loads(sys.stdin.read()); r['pair']=$pair; r['record']='$record'; print(json.dumps(r))" >>"$results"
}

workloads=eager
$py -c "import triton" 2>/dev/null && workloads="eager triton"
for workload in $workloads; do
  for pair in $(seq "$pairs"); do
    prog="$py $here/inject-overhead.py $workload $rounds $block"
    run "$pair" unrecorded $prog
    run "$pair" "--cupti callbacks" $prog
    run "$pair" --params $prog
    run "$pair" "--cupti activity" $prog
    run "$pair" "--api runtime" $prog
    run "$pair" unrecorded $prog --torch-profiler
    echo "inject-overhead: $workload pair $pair done" >&2
  done
done
"$cli" report "$out/inject.lsdb" >"$out/inject-last.report" 2>&1
{
  echo "# What recording costs a framework's launches ($(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1))"
  echo
  echo "$pairs pairs of processes per workload; $rounds rounds of $block launches per state in each."
  echo
  $py "$here/inject-overhead-summary.py" "$results"
} >"$out/inject-overhead.md"
cat "$out/inject-overhead.md"
