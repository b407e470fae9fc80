#!/usr/bin/env bash
# The main job: `cargo run --release -- demo` in the shared target folder (see scripts/env.sh).
# Extra arguments go to `qsentry demo` (e.g. --out DIR --systems 5 --days 30).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
exec cargo run --release -- demo "$@"
