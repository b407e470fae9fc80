#!/usr/bin/env bash
# Runs `qsentry bench decode` with two builds alternately, ROUNDS times (default 3), on the same generated
# files, so that both see the same machine: the before/after comparison of docs/PERFORMANCE.md.
# Usage: tools/ab-decode.sh OLD_BINARY NEW_BINARY [ROUNDS]   (run from the repository root)
set -euo pipefail
old="$1" new="$2" rounds="${3:-3}"
for i in $(seq 1 "$rounds"); do
  for b in "$old" "$new"; do
    echo "== $b, round $i, load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$b" bench decode --entries 1000000 --baseline-entries 50000 --dir "${TMPDIR:-/tmp}/ab-decode" 2>&1 \
      | grep -E 'qsentry|Python|bare|/'
  done
done
