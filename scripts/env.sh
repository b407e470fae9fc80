# Sourced by scripts/test.sh and scripts/demo.sh: one shared cargo target folder per machine (DuckDB's
# bundled C++ build takes ~25 minutes on 2 cores and is done once there), and the system packages the
# build and the tests need, installed with apt-get when missing.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/qsentry-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

need() { command -v "$1" >/dev/null 2>&1; }
# iconv/od/python3 for the EBCDIC table check; a C++ compiler for DuckDB's bundled build; sha256sum
# to check evidence packages.
if ! need iconv || ! need od || ! need python3 || ! need c++ || ! need sha256sum; then
  echo "installing system packages: libc-bin coreutils python3 g++"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libc-bin coreutils python3 g++
fi
if ! need cargo; then
  echo "cargo not found: install the Rust toolchain (rustup, stable 1.95 or later) and run again" >&2
  exit 1
fi
