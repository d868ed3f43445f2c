#!/usr/bin/env bash
# The default test suite N times (default 20) beside two busy processes, as issue 7 asks of
# it: one line per run in under-load.log (exit status, wall time, pytest's last line, load).
#
#   bash tests/benchmarks/under_load.sh [RUNS] [LOGDIR]
#
# Run from a checkout with the test extras installed; it leaves no process behind (the busy
# loops end with the script, whatever ends it). Each run takes ~8 min on this 2-core machine.
set -u
runs=${1:-20}
logdir=${2:-under-load}
mkdir -p "$logdir"
python3 -c 'while 1: pass' & b1=$!
python3 -c 'while 1: pass' & b2=$!
trap 'kill $b1 $b2 2>/dev/null' EXIT INT TERM HUP
for i in $(seq 1 "$runs"); do
  t0=$(date +%s)
  python3 -m pytest -q -p no:randomly > "$logdir/run-$i.log" 2>&1
  rc=$?
  echo "run $i rc=$rc $(( $(date +%s) - t0 ))s $(tail -1 "$logdir/run-$i.log") load=$(cut -d' ' -f1-3 /proc/loadavg)" \
    | tee -a "$logdir/under-load.log"
done
