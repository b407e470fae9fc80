#!/usr/bin/env bash
# Times every report (and gaps) with two builds alternately, each on its own store (a build of another
# rollup version needs a copy of the store with its own rollups), best of N through the CLI, with the
# peak RSS of the best run. user-activity is run for USER (default AROSSI, a profile of the bench fleet),
# file-changes for PAYLIB/PAYMAST.
#   tools/ab-reports.sh N BIN_A STORE_A BIN_B STORE_B [REPORT...]
set -euo pipefail
n=$1; a=$2; db_a=$3; b=$4; db_b=$5; shift 5
reports=("$@")
[ ${#reports[@]} -gt 0 ] || reports=(remote-access signon-failures break-in profile-history user-activity
  authority-failures config-changes file-changes gaps)
t=$(mktemp)
trap 'rm -f "$t"' EXIT
for r in "${reports[@]}"; do
  case $r in
    user-activity) args=(report user-activity --user "${USER_PROFILE:-AROSSI}") ;;
    gaps) args=(gaps) ;;
    *) args=(report "$r" --file PAYLIB/PAYMAST) ;;
  esac
  best_a=""; best_b=""; rss_a=0; rss_b=0
  for _ in $(seq "$n"); do
    for side in a b; do
      if [ $side = a ]; then bin=$a; db=$db_a; else bin=$b; db=$db_b; fi
      /usr/bin/time -f "%e %M" -o "$t" "$bin" "${args[@]}" --db "$db" -o json > /dev/null 2>&1
      read -r s m < "$t"
      if [ $side = a ]; then
        if [ -z "$best_a" ] || awk "BEGIN {exit !($s < $best_a)}"; then best_a=$s; rss_a=$m; fi
      else
        if [ -z "$best_b" ] || awk "BEGIN {exit !($s < $best_b)}"; then best_b=$s; rss_b=$m; fi
      fi
    done
  done
  printf "%-20s A %6.2f s %5d MB   B %6.2f s %5d MB\n" "$r" "$best_a" $((rss_a / 1024)) "$best_b" $((rss_b / 1024))
done
