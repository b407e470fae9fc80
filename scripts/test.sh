#!/usr/bin/env bash
# The whole test suite: formatting, lints, the EBCDIC tables' provenance, and every test, in the
# release profile (one profile for tests and runs, so dependencies are built once per machine).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== EBCDIC tables match glibc iconv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp crates/ibmi-format/src/ebcdic_tables.rs "$tmp/committed.rs"
tools/gen-ccsid-tables.sh >/dev/null
if ! diff -q <(sed 1,3d "$tmp/committed.rs") <(sed 1,3d crates/ibmi-format/src/ebcdic_tables.rs) >/dev/null; then
  cp "$tmp/committed.rs" crates/ibmi-format/src/ebcdic_tables.rs
  echo "ebcdic_tables.rs differs from what tools/gen-ccsid-tables.sh generates" >&2
  exit 1
fi
cp "$tmp/committed.rs" crates/ibmi-format/src/ebcdic_tables.rs

echo "== geolocation dataset (for the break-in report's country and network owner)"
geo="${QSENTRY_GEO_DIR:-$HOME/.local/share/qsentry/geo}"
if [ -f "$geo/SOURCE" ]; then
  echo "already in $geo"
else
  scripts/fetch-geo.sh "$geo" || echo "NOTE: no geolocation dataset; the tests that need it will say SKIP"
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --release --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --release --workspace 2>&1 | tee "$tmp/test.log"
passed=$(grep -E '^test result:' "$tmp/test.log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -E '^test result:' "$tmp/test.log" | awk '{s += $6} END {print s + 0}')
echo "tests: $passed passed, $failed failed"
# The tests on IBM's real output read ../shared/real-samples beside the project; without it they pass
# without checking anything (each prints why, which libtest shows only with --nocapture). Say so here.
if [ ! -d ../shared/real-samples ]; then
  echo "NOTE: ../shared/real-samples is absent: the real-sample tests were skipped (see 'skipped:' with -- --nocapture)"
fi
