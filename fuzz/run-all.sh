#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600), JOBS at a time (default 2), and prints one line per
# target: executions, seconds, coverage, and the crash/leak inputs libFuzzer saved. Logs in fuzz/logs/.
# Usage: fuzz/run-all.sh [SECONDS] [JOBS] [TARGET...]   (every target when none is named)
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
jobs="${2:-2}"
mkdir -p logs
shift 2 2>/dev/null || shift $#
if [ $# -gt 0 ]; then targets="$*"; else targets=$(cargo +nightly fuzz list); fi
cargo +nightly fuzz build -O >/dev/null 2>&1 || { echo "cargo +nightly fuzz build failed" >&2; exit 1; }
run() {
  local t="$1"
  rm -rf "artifacts/$t"
  # Seeds (small valid inputs, where a target has them) let libFuzzer start past the format's framing.
  local seeds=()
  [ -d "seeds/$t" ] && seeds=("corpus/$t" "seeds/$t") && mkdir -p "corpus/$t"
  cargo +nightly fuzz run -O "$t" "${seeds[@]}" -- -max_total_time="$secs" -rss_limit_mb=2048 >"logs/$t.log" 2>&1
  local rc=$?
  local runs
  runs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "logs/$t.log" | tail -1)
  local found
  found=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
  # Coverage shows a target stuck at the input's framing (a lost corpus, missing seeds).
  local cov
  cov=$(grep -oE 'cov: [0-9]+' "logs/$t.log" | tail -1)
  echo "$t: exit $rc, ${runs:-no 'Done' line (see logs/$t.log)}, ${cov:-no coverage line}, $found saved inputs"
}
export -f run
export secs
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run {}'
