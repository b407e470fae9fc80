#!/usr/bin/env bash
# The whole test suite: formatting, lints, the EBCDIC tables' provenance, and every test, in the
# release profile (one profile for tests and runs, so dependencies are built once per machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/qsentry-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

need() { command -v "$1" >/dev/null 2>&1; }
# iconv/od/python3 for the EBCDIC table check; a C++ compiler for DuckDB's bundled build.
if ! need iconv || ! need od || ! need python3 || ! need c++; then
  echo "installing system packages: libc-bin coreutils python3 g++"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libc-bin coreutils python3 g++
fi
if ! need cargo; then
  echo "cargo not found: install the Rust toolchain (rustup, stable 1.95 or later) and run again" >&2
  exit 1
fi
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

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --release --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --release --workspace 2>&1 | tee "$tmp/test.log"
passed=$(grep -E '^test result:' "$tmp/test.log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -E '^test result:' "$tmp/test.log" | awk '{s += $6} END {print s + 0}')
echo "tests: $passed passed, $failed failed"
