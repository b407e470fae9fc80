#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600), JOBS at a time (default 2), and prints one line per
# target: executions, seconds, and the crash/leak inputs libFuzzer saved. Logs in fuzz/logs/.
# Usage: fuzz/run-all.sh [SECONDS] [JOBS]
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
jobs="${2:-2}"
mkdir -p logs
targets=$(cargo +nightly fuzz list)
cargo +nightly fuzz build -O >/dev/null 2>&1 || { echo "cargo +nightly fuzz build failed" >&2; exit 1; }
run() {
  local t="$1"
  rm -rf "artifacts/$t"
  cargo +nightly fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 >"logs/$t.log" 2>&1
  local rc=$?
  local runs
  runs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "logs/$t.log" | tail -1)
  local found
  found=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
  echo "$t: exit $rc, ${runs:-no 'Done' line (see logs/$t.log)}, $found saved inputs"
}
export -f run
export secs
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run {}'
