#!/usr/bin/env bash
# Ingests one fleet into a fresh store with each build in turn, ROUNDS times, and prints per build the
# median and least wall time, CPU time (user + system) and peak RSS. Without detection unless --detect.
#   tools/ab-ingest.sh [--detect] ROUNDS BIN...
# FLEET (default /tmp/qbs7/fleet-1000000, made by `qsentry bench store --entries 1000000 --dir /tmp/qbs7`)
# is ingested with its qsentry.toml into /tmp/ab-ingest/t.duckdb.
set -euo pipefail
detect=(--no-detect)
if [ "${1:-}" = --detect ]; then detect=(); shift; fi
rounds=$1; shift
fleet=${FLEET:-/tmp/qbs7/fleet-1000000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  for b in "$@"; do
    rm -rf /tmp/ab-ingest && mkdir /tmp/ab-ingest
    /usr/bin/time -f "$b %e %U %S %M" -a -o "$out" "$b" ingest --db /tmp/ab-ingest/t.duckdb "${detect[@]}" \
      --config "$fleet/qsentry.toml" "$fleet" > /dev/null 2>&1
  done
done
python3 - "$out" "$@" <<'P'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for b in sys.argv[2:]:
    r = [list(map(float, x[1:])) for x in rows if x[0] == b]
    wall = [x[0] for x in r]; cpu = [x[1] + x[2] for x in r]; rss = [x[3] / 1024 for x in r]
    print(f"{b}: n={len(r)} wall median {st.median(wall):.2f} least {min(wall):.2f} | "
          f"cpu median {st.median(cpu):.2f} least {min(cpu):.2f} | rss median {st.median(rss):.0f} MB")
P
