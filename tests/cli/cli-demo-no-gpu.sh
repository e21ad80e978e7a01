#!/bin/sh
# usage: cli-demo-no-gpu.sh SCRIPT CLI SAMPLE
# build-aux/cli-demo (build-aux/run --cli): when the demo finds no GPU (exit status 3) the
# bundled sample report's summary follows, saying it was not recorded on this machine, and the
# status stays 3; when the demo runs, nothing else is printed. The demo's outcome is played by a
# stand-in for the CLI, so the test means the same on a machine with a GPU.
set -eu
script=$1 cli=$2 sample=$3
[ -f "$sample" ] || { echo "no sample report at $sample: skipping"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/cli" <<STUB
#!/bin/sh
if [ "\$1" = demo ]; then
  [ "\${STUB_DEMO:-}" = ok ] && { echo "demo ran"; exit 0; }
  echo "launchscope-cli demo: no CUDA driver found" >&2; exit 3
fi
exec "$cli" "\$@"
STUB
chmod +x "$tmp/cli"

status=0
out=$(sh "$script" "$tmp/cli" "$sample" 2>&1) || status=$?
echo "$out"
[ "$status" -eq 3 ] || { echo "FAIL: exit status $status without a GPU, want 3"; exit 1; }
echo "$out" | grep -q "no CUDA driver found" || { echo "FAIL: the no-driver message is gone"; exit 1; }
echo "$out" | grep -q "bundled sample report" || { echo "FAIL: the summary does not say it is the bundled sample"; exit 1; }
echo "$out" | grep -q "NOT on this machine" || { echo "FAIL: the summary does not say it is not this machine"; exit 1; }
echo "$out" | grep -q "^Report .*sample" || { echo "FAIL: no report summary"; exit 1; }
echo "$out" | grep -Eq "^  fast +[0-9]+" || { echo "FAIL: the summary has no fast-path row"; exit 1; }

status=0
out=$(STUB_DEMO=ok sh "$script" "$tmp/cli" "$sample" 2>&1) || status=$?
[ "$status" -eq 0 ] || { echo "FAIL: exit status $status with a GPU, want 0"; exit 1; }
[ "$out" = "demo ran" ] || { echo "FAIL: with a GPU more than the demo was printed: $out"; exit 1; }
echo "ok"
