#!/usr/bin/env bash
# Side by side: qsentry's detector (in process, over decoded events) and rsigma's own CLI
# (`rsigma engine eval`, reading the same events as JSON lines) with the same rules folder.
#
#   tools/bench-rsigma.sh            (run it under `nice -n 15` on a shared machine)
#
# Steps: install rsigma's CLI (crate `rsigma`, the version of our rsigma-eval library) into
# $RSIGMA_ROOT if missing; run benches/detect.rs, which simulates the fleet, writes the event
# stream it times as JSON lines, times the full pack (best of 3) and rsigma-eval's own engine in
# process; time the CLI over the JSON lines with rules/ibmi (best of $RUNS), and once more with
# one rule that matches nothing (the cost of reading the JSON); compare the matches per rule.
#
# Environment: QSENTRY_BENCH_EPD (audit entries per system and day, default 20000), RUNS (3),
# RSIGMA_ROOT ($HOME/.cache/rsigma-cli), CARGO_TARGET_DIR ($HOME/.cache/qsentry-target),
# KEEP=1 keeps the work folder (JSON lines, rsigma's output).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/qsentry-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
RSIGMA_VERSION=0.23.0
RSIGMA_ROOT="${RSIGMA_ROOT:-$HOME/.cache/rsigma-cli}"
RUNS="${RUNS:-3}"
rsigma="$RSIGMA_ROOT/bin/rsigma"
rules=rules/ibmi

if [ ! -x "$rsigma" ] || ! "$rsigma" --version | grep -q "$RSIGMA_VERSION"; then
  echo "== installing rsigma $RSIGMA_VERSION (CLI) into $RSIGMA_ROOT"
  # Without the default `daemon` feature (HTTP server, SQLite, file watching: not needed for `eval`,
  # and then events are read as plain JSON lines). 0.23.0 does not build with no feature at all
  # (a module imports rsigma-runtime unconditionally), hence `rsigma-runtime`.
  cargo install --locked rsigma --version "$RSIGMA_VERSION" --no-default-features --features rsigma-runtime \
    --root "$RSIGMA_ROOT"
fi
echo "== $("$rsigma" --version)"

work=$(mktemp -d)
if [ "${KEEP:-}" = 1 ]; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
jsonl="$work/events.jsonl"

# Does the CLI take every rule file? It loads the folder whole; a file it cannot parse is counted
# in a warning, and then each file is tried alone so the report can name it.
echo "== rules: $rules"
"$rsigma" engine eval -r "$rules" -e '{}' >/dev/null 2>"$work/load.txt" || true
loaded=$(grep -o 'Loaded [0-9]* detection rules + [0-9]* correlation rules' "$work/load.txt" || true)
echo "rsigma: ${loaded:-$(cat "$work/load.txt")}"
if grep -q 'parse errors' "$work/load.txt"; then
  mkdir "$work/subset"
  for f in "$rules"/*.yml; do
    if "$rsigma" rule parse "$f" >/dev/null 2>&1; then
      cp "$f" "$work/subset/"
    else
      echo "rejected by rsigma's CLI: $f"
    fi
  done
  rules="$work/subset"
  export QSENTRY_BENCH_RULES="$rules"
  echo "timing both sides with the $(ls "$rules" | wc -l) files the CLI takes"
fi

echo "== qsentry: cargo bench -p qsentry-detect --bench detect (simulate, decode, write JSON lines, time)"
QSENTRY_BENCH_QUICK=1 QSENTRY_BENCH_JSONL="$jsonl" QSENTRY_BENCH_COUNTS="$work/qsentry.json" \
  QSENTRY_BENCH_RSIGMA_EVAL=1 \
  cargo bench -q -p qsentry-detect --bench detect 2>&1 | tee "$work/qsentry.txt" | grep -v '^\s*Running\|^\s*Finished'
echo "JSON lines: $(wc -l <"$jsonl") events, $(du -m "$jsonl" | cut -f1) MB"

# One rule on a field no event has: the CLI still reads and parses every line and offers it to
# its engine, so this is the floor under any rule set.
mkdir "$work/none"
cat >"$work/none/never.yml" <<'EOF'
title: Matches nothing (cost of reading the events)
id: 00000000-0000-4000-8000-0000000000be
logsource:
    product: ibmi
detection:
    selection:
        qsentry_bench_no_such_field: 'x'
    condition: selection
level: low
EOF

# time_cli NAME RULES: best wall time and best CPU time (user + system) of $RUNS runs; the output
# and stats of the last run are kept.
time_cli() {
  local name=$1 dir=$2 best="" best_cpu="" wall cpu
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S' -o "$work/$name.time" \
      "$rsigma" engine eval -r "$dir" -e @"$jsonl" --timestamp-field entry_timestamp \
      --output-format ndjson >"$work/$name.ndjson" 2>"$work/$name.err"
    read -r wall cpu < <(awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/$name.time")
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; fi
    if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$cpu; fi
  done
  echo "$best $best_cpu" >"$work/$name.seconds"
  echo "rsigma $name: $(grep -o 'Processed.*' "$work/$name.err") best of $RUNS: ${best}s wall, ${best_cpu}s CPU"
}
echo "== rsigma CLI: $rsigma engine eval -r $rules -e @events.jsonl --timestamp-field entry_timestamp --output-format ndjson"
time_cli pack "$rules"
time_cli none "$work/none"

python3 - "$work" <<'EOF'
import collections, json, re, sys
work = sys.argv[1]
nan = float("nan")
q = json.load(open(f"{work}/qsentry.json"))
q_cpu = q["cpu_seconds"] or nan


def cli(name):
    err = open(f"{work}/{name}.err").read()
    # With correlations: "Processed N events, D detection matches, C correlation matches";
    # without (detection only): "Processed N events, M matches". The same for "Loaded ...".
    m = re.search(r"Processed (\d+) events, (\d+) (?:detection )?matches(?:, (\d+) correlation matches)?", err)
    loaded = re.search(r"Loaded (\d+) (?:detection )?rules(?: \+ (\d+) correlation rules)?", err)
    wall, cpu = map(float, open(f"{work}/{name}.seconds").read().split())
    det, corr = collections.Counter(), collections.Counter()
    for line in open(f"{work}/{name}.ndjson"):
        r = json.loads(line)
        (corr if "correlation_type" in r else det)[r.get("rule_id") or r.get("rule_title")] += 1
    return dict(events=int(m[1]), det=int(m[2]), corr=int(m[3] or 0), rules=int(loaded[1]) + int(loaded[2] or 0),
                wall=wall, cpu=cpu, det_by_rule=det, corr_by_rule=corr)


pack, none = cli("pack"), cli("none")
inproc = None
lines = open(f"{work}/qsentry.txt").read().splitlines()
for i, line in enumerate(lines):
    m = re.search(r"rsigma-eval in process .*?: (\d+) events, (\d+) detection matches, (\d+) correlation matches, "
                  r"best of \d+: ([0-9.]+)s", line)
    if m:
        c = re.search(r"best of \d+: ([0-9.]+)s", lines[i + 1]) if i + 1 < len(lines) else None
        inproc = dict(events=int(m[1]), det=int(m[2]), corr=int(m[3]), wall=float(m[4]), cpu=float(c[1]) if c else nan)
rows = [("qsentry, in process (decoded events)", q["events"], q["rules"], q["detection_matches"],
         q["correlation_firings"], q["seconds"], q_cpu)]
if inproc:
    rows.append(("rsigma-eval, in process (JSON parsed before)", inproc["events"], q["rules"], inproc["det"],
                 inproc["corr"], inproc["wall"], inproc["cpu"]))
for name, r in (("rsigma CLI, same rules (reads the JSON lines)", pack), ("rsigma CLI, one rule matching nothing", none)):
    rows.append((name, r["events"], r["rules"], r["det"], r["corr"], r["wall"], r["cpu"]))
print()
print(f"{'':46} {'events':>7} {'rules':>5} {'det.':>6} {'corr.':>5} {'wall s':>7} {'events/s':>9} {'CPU s':>7} {'ev/CPU-s':>9}")
for name, ev, ru, d, c, w, u in rows:
    print(f"{name:46} {ev:>7} {ru:>5} {d:>6} {c:>5} {w:>7.3f} {ev / w:>9.0f} {u:>7.3f} {ev / u:>9.0f}")
print(f"(det.: detection matches; corr.: correlation firings, which qsentry merges into {q['alerts']} alerts "
      "together with those of its 2 built-in checks)")
print(f"ratio qsentry / rsigma CLI: {pack['wall'] / q['seconds']:.1f} (wall), {pack['cpu'] / q_cpu:.1f} (CPU)")
print(f"rsigma CLI beyond reading the JSON (same rules minus the rule matching nothing): "
      f"{pack['cpu'] - none['cpu']:.3f} CPU s; qsentry / that: {(pack['cpu'] - none['cpu']) / q_cpu:.1f}")
if inproc:
    print(f"ratio qsentry / rsigma-eval in process: {inproc['wall'] / q['seconds']:.1f} (wall), "
          f"{inproc['cpu'] / q_cpu:.1f} (CPU)")
print()
same = True
for kind, ours, theirs in (("detection matches", q["per_rule_detection_matches"], pack["det_by_rule"]),
                           ("correlation firings", q["per_rule_correlation_firings"], pack["corr_by_rule"])):
    ids = sorted(set(ours) | set(theirs))
    diff = [(i, ours.get(i, 0), theirs.get(i, 0)) for i in ids if ours.get(i, 0) != theirs.get(i, 0)]
    print(f"{kind}: qsentry {sum(ours.values())}, rsigma CLI {sum(theirs.values())}, {len(ids)} rules with any; "
          + ("identical per rule" if not diff else f"{len(diff)} rules differ:"))
    for i, a, b in diff:
        same = False
        print(f"  {i}: qsentry {a}, rsigma CLI {b}")
if inproc and (inproc["det"], inproc["corr"]) != (pack["det"], pack["corr"]):
    print(f"rsigma-eval in process differs from the CLI: {inproc['det']} / {inproc['corr']}")
print("matches: " + ("the same on both sides, rule by rule" if same else "they differ (see above)"))
EOF
echo "load: $(uptime)"
