#!/bin/sh
# usage: [SESSIONS=N] bench/floor-sessions.sh CARRY OUTDIR
#
# The in-session floor and observer cost against `bench` and `overhead` on one GPU machine:
# SESSIONS record sessions (back to back, add2 and add16 in turn) and SESSIONS live sessions
# (the live page's engine, headless, paced at 20,000 launches/s: add2, add16 and a user
# vectorAdd kernel in turn), each with its figures and their 95% intervals; then `bench` and
# `overhead` right after.  Writes OUTDIR/floor-sessions.jsonl and prints the comparison
# (bench/floor-sessions-summary.py).  CARRY holds launchscope-cli and live-floor.
set -u
B=$1 out=$2
here=$(dirname "$0")
n=${SESSIONS:-10}
mkdir -p "$out"
export XDG_CACHE_HOME=$(mktemp -d)
jsonl=$out/floor-sessions.jsonl
: >"$jsonl"
cat >"$out/vector_add.cu" <<'EOF'
// launchscope: entry=vector_add
// launchscope: signature=*fp32, *fp32, *fp32, i32
extern "C" __global__ void vector_add(float *c, const float *a, const float *b, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    c[i] = a[i] + b[i];
}
EOF
for i in $(seq "$n"); do
  w=add2
  [ $((i % 2)) = 0 ] && w=add16
  "$B/launchscope-cli" record -o "$out/record.lsdb" --force --quiet --workload $w --iters 100000 >/dev/null 2>"$out/record.err" \
    || { echo "record $i failed: $(cat "$out/record.err")"; continue; }
  "$B/launchscope-cli" report --json "$out/record.lsdb" |
    python3 -c "import json,sys; s=json.load(sys.stdin)['sessions'][0]; print(json.dumps({'kind': 'record', 'session': $i, 'workload': '$w', 'floor': s['floor'], 'push_ns': s.get('push_ns')}))" >>"$jsonl"
done
for i in $(seq "$n"); do
  case $((i % 3)) in
    1) "$B/live-floor" add2 20000 60000 1 "$out/live.lsdb" ;;
    2) "$B/live-floor" add16 20000 60000 1 "$out/live.lsdb" ;;
    0) "$B/live-floor" vector_add 20000 60000 1 "$out/live.lsdb" "$out/vector_add.cu" ;;
  esac | sed 's/^{/{"kind": "live", /' >>"$jsonl"
done
"$B/launchscope-cli" bench --quiet --json >"$out/bench.json" 2>"$out/bench.err"
"$B/launchscope-cli" overhead --quiet --json >"$out/overhead.json" 2>"$out/overhead.err"
python3 "$here/floor-sessions-summary.py" "$jsonl" "$out/bench.json" "$out/overhead.json"
