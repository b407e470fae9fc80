#!/usr/bin/env bash
# Times reports with time bounds through the CLI, once each: wall seconds and peak RSS, and whether
# DuckDB ran out of memory. user-activity is run for USER_PROFILE (default AROSSI, a profile of the bench
# fleet), file-changes for PAYLIB/PAYMAST. Reports' JSON goes to /tmp/bt.REPORT.json.
#   tools/bounded-reports.sh BIN DB FROM TO [REPORT...]
set -uo pipefail
bin=$1; db=$2; from=$3; to=$4; shift 4
reports=("$@")
[ ${#reports[@]} -gt 0 ] || reports=(remote-access signon-failures break-in profile-history user-activity
  authority-failures config-changes file-changes)
t=$(mktemp); err=$(mktemp)
trap 'rm -f "$t" "$err"' EXIT
for r in "${reports[@]}"; do
  case $r in
    user-activity) args=(report user-activity --user "${USER_PROFILE:-AROSSI}") ;;
    *) args=(report "$r" --file PAYLIB/PAYMAST) ;;
  esac
  /usr/bin/time -f "%e %M" -o "$t" timeout 90 "$bin" "${args[@]}" --db "$db" --from "$from" --to "$to" -o json \
    > "/tmp/bt.$r.json" 2> "$err"
  rc=$?
  read -r s m < <(tail -1 "$t")
  printf "%-20s rc=%d %7s s %6d MB %s\n" "$r" "$rc" "$s" $((m / 1024)) "$(grep -o 'Out of Memory' "$err" | head -1)"
done
