#!/usr/bin/env bash
# Times every report (and gaps) through the CLI on one store, best of three, with the peak RSS of the
# best run. The DuckDB memory limit is the default (256 MB) unless a qsentry.toml in the working folder
# says otherwise. user-activity is run for the profile with the most CP entries.
#   tools/time-reports.sh STORE.duckdb      (QSENTRY=path/to/qsentry to choose the binary)
set -euo pipefail
Q=${QSENTRY:-${CARGO_TARGET_DIR:-$HOME/.cache/qsentry-target}/release/qsentry}
db=$1
user=$($Q query --db "$db" -o csv "SELECT user_name FROM events WHERE journal_entry_type = 'CP' GROUP BY ALL ORDER BY count(*) DESC LIMIT 1" | tail -1)
t=$(mktemp)
trap 'rm -f "$t"' EXIT
for r in remote-access signon-failures break-in profile-history user-activity authority-failures config-changes file-changes gaps; do
  case $r in
    gaps) cmd=("$Q" gaps --db "$db" -o json) ;;
    user-activity) cmd=("$Q" report "$r" --db "$db" --user "$user" -o json) ;;
    *) cmd=("$Q" report "$r" --db "$db" --file PAYLIB/PAYMAST -o json) ;;
  esac
  best=""; rss=0
  for _ in 1 2 3; do
    if ! /usr/bin/time -f "%e %M" -o "$t" "${cmd[@]}" > /dev/null 2> "$t.err"; then
      echo "$r failed: $(grep -v '^\s*$' "$t.err" | head -1)"; continue 2
    fi
    read -r s m < "$t"
    if [ -z "$best" ] || awk "BEGIN {exit !($s < $best)}"; then best=$s; rss=$m; fi
  done
  printf "%-20s %6.2f s %6d MB\n" "$r" "$best" $((rss / 1024))
done
rm -f "$t.err"
