#!/usr/bin/env bash
# Ingests a folder into a fresh store and samples the process's VmRSS every 0.5 s; prints the peak (KB)
# and the ingest's summary line. The figures of docs/PERFORMANCE.md's "Ingest memory" come from it.
# Usage: tools/rss-ingest.sh QSENTRY_BINARY FLEET_DIR [DB]
#   e.g. tools/rss-ingest.sh target/release/qsentry /tmp/qbs10/fleet-10000000
#   (the fleet from `qsentry bench store --entries 10000000 --dir /tmp/qbs10`)
set -euo pipefail
bin="$1" fleet="$2" db="${3:-${TMPDIR:-/tmp}/rss-ingest.duckdb}"
rm -rf "$db" "${db%.duckdb}.events" "$db.wal"
out="$(mktemp)"
"$bin" ingest --db "$db" --no-detect --config "$fleet/qsentry.toml" "$fleet" >"$out" 2>&1 &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
  if [ -n "${rss:-}" ] && [ "$rss" -gt "$peak" ]; then peak=$rss; fi
  sleep 0.5
done
wait "$pid"
echo "peak RSS ${peak} KB"
grep -m1 '^ingested' "$out" || tail -3 "$out"
rm -f "$out"
