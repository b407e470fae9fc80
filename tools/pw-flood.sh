#!/usr/bin/env bash
# Writes a brute-force flood for detection measurements: N failed sign-ons (PW, violation type P) in one
# minute, as a CPYTOIMPF CSV of QASYPWJ5 rows, from one address (the default) or each from its own
# address (`many`: a botnet, 10.x.y.z). The rows come from the CSV that `qsentry bench decode` writes
# (1,000,000 rows, 1,000 target profiles, one address); each gets its own sequence number and an entry
# time in 2026-11-20 12:34 (N/60 rows a second).
#
#   tools/pw-flood.sh /tmp/pb/QASYPWJ5.csv 300000 > pw-flood.csv
#   tools/pw-flood.sh /tmp/pb/QASYPWJ5.csv 300000 many > botnet.csv
set -euo pipefail
usage="usage: tools/pw-flood.sh QASYPWJ5.csv N [one|many] > out.csv"
src=${1:?$usage}
n=${2:?$usage}
addresses=${3:-one}
case "$addresses" in one | many) ;; *) echo "$usage" >&2; exit 2 ;; esac
head -1 "$src"
# Columns (CPYTOIMPF of QASYPWJ5): 5 JOTSTP, 28 JOSYSSEQ, 38 JORADR, 45 VIOLATION_TYPE.
sed -n "2,$((n + 1))p" "$src" | awk -F, -v n="$n" -v many="$addresses" 'BEGIN { OFS = "," } {
    i = NR
    $5 = sprintf("2026-11-20-12.34.%02d.%06d", int((i - 1) * 60 / n), i % 1000000)
    $28 = i
    if (many == "many") $38 = sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
    $45 = "P"
    print
}'
