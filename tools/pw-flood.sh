#!/usr/bin/env bash
# Writes a brute-force flood for detection measurements: N failed sign-ons (PW, violation type P) from
# one address in one minute, as a CPYTOIMPF CSV of QASYPWJ5 rows. The rows come from the CSV that
# `qsentry bench decode` writes (1,000,000 rows, 1,000 target profiles, one address); each gets its own
# sequence number and an entry time in 2026-11-20 12:34 (N/60 rows a second).
#
#   tools/pw-flood.sh /tmp/pb/QASYPWJ5.csv 300000 > pw-flood.csv
set -euo pipefail
src=${1:?usage: tools/pw-flood.sh QASYPWJ5.csv N > out.csv}
n=${2:?usage: tools/pw-flood.sh QASYPWJ5.csv N > out.csv}
head -1 "$src"
# Columns (CPYTOIMPF of QASYPWJ5): 5 JOTSTP, 28 JOSYSSEQ, 45 VIOLATION_TYPE.
sed -n "2,$((n + 1))p" "$src" | awk -F, -v n="$n" 'BEGIN { OFS = "," } {
    i = NR
    $5 = sprintf("2026-11-20-12.34.%02d.%06d", int((i - 1) * 60 / n), i % 1000000)
    $28 = i
    $45 = "P"
    print
}'
