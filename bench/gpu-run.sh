#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# gpu-run.sh — everything the GPU machine is for, in one call: the gpu suites, the demo, the
# launch benchmark (three runs), the observer-overhead measurement and the sample report.
# Run from the repository root with binaries carried in .carry/ (built on the dev machine:
# see README "GPU suite"); writes logs and results to $OUT (default ./gpu-out).
set -u
OUT=${OUT:-./gpu-out}
mkdir -p "$OUT"
B=${CARRY:-.carry}
log="$OUT/gpu-run.log"
export XDG_CACHE_HOME=$(mktemp -d)
section () { printf '\n===== %s =====\n' "$*" >>"$log"; }
run () { section "$*"; ( "$@" ) >>"$log" 2>&1; echo "rc=$?" >>"$log"; }

: >"$log"
section "machine"
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  uname -a
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  grep -m1 "model name" /proc/cpuinfo; nproc
  cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>&1
  cat /proc/driver/nvidia/version 2>&1 | head -1
} >>"$log" 2>&1
run "$B/clock-probe"
section "tsc flags"; grep -o -w -m2 "constant_tsc\|nonstop_tsc" /proc/cpuinfo | sort -u >>"$log"
run "$B/test-fastlaunch-gpu"
run "$B/test-recorder-gpu"
run "$B/launchscope-cli" demo
for i in 1 2 3; do
  section "bench run $i"
  "$B/launchscope-cli" bench --quiet >>"$log" 2>&1; echo "rc=$?" >>"$log"
done
section "bench json"
"$B/launchscope-cli" bench --quiet --json >"$OUT/bench.json" 2>>"$log"; echo "rc=$?" >>"$log"
run "$B/launchscope-cli" overhead --quiet
section "overhead json"
"$B/launchscope-cli" overhead --quiet --json >"$OUT/overhead.json" 2>>"$log"; echo "rc=$?" >>"$log"
run "$B/launchscope-cli" record -o "$OUT/sample.lsdb" --force --quiet --cupti activity \
  --workload add8,add2,add16,empty --iters 40000 \
  --toggle timing@0 --toggle default@2000 --toggle default@4000 --toggle timing@4000 \
  --toggle debug@10000 --toggle debug@14000 --toggle offset@20000 --toggle offset@26000 \
  --toggle skip@30000 --toggle skip@34000
run "$B/launchscope-cli" record -o "$OUT/callbacks.lsdb" --force --quiet --cupti callbacks --workload add8 --iters 20000
ls -la "$OUT" >>"$log"
