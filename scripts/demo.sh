#!/usr/bin/env bash
# The main job: `cargo run --release -- demo` in the shared target folder (see scripts/env.sh).
# Extra arguments go to `qsentry demo` (e.g. --out DIR --systems 5 --days 30).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
# The break-in report adds country and network owner when the offline dataset is installed.
geo="${QSENTRY_GEO_DIR:-$HOME/.local/share/qsentry/geo}"
[ -f "$geo/SOURCE" ] || scripts/fetch-geo.sh "$geo" || echo "no geolocation dataset: the break-in report attributes registries only"
exec cargo run --release -- demo "$@"
