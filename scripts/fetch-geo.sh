#!/usr/bin/env bash
# Downloads the offline country and network-owner dataset the break-in report uses, from the npm
# registry (ip-location-db's packages; nothing else is contacted):
#   @ip-location-db/geo-whois-asn-country  country per range, from the RIRs' delegation files (CC0; NRO data CC BY 4.0)
#   @ip-location-db/asn                    AS number and owner per range (RouteViews, DB-IP IP-to-ASN Lite; CC BY 4.0)
# Usage: scripts/fetch-geo.sh [DIR]   (default $QSENTRY_GEO_DIR, else ~/.local/share/qsentry/geo)
# The release is pinned so evidence tables are reproducible; QSENTRY_GEO_VERSION=latest takes the newest.
# Re-running replaces the files; qsentry reads them with `report break-in` (`--geo DIR` or `[geo] dir`).
set -euo pipefail
dir="${1:-${QSENTRY_GEO_DIR:-$HOME/.local/share/qsentry/geo}}"
if ! command -v npm >/dev/null 2>&1; then
  echo "installing npm (to fetch the dataset from the npm registry)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq npm
fi
version="${QSENTRY_GEO_VERSION:-2.3.2026061719}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
: > "$work/SOURCE"
for pkg in geo-whois-asn-country asn; do
  (cd "$work" && npm pack --silent "@ip-location-db/$pkg@$version" >/dev/null 2>"$work/npm.err") || {
    cat "$work/npm.err" >&2
    echo "could not download @ip-location-db/$pkg from the npm registry" >&2
    exit 1
  }
  mkdir -p "$work/$pkg"
  tar xzf "$work"/ip-location-db-"$pkg"-*.tgz -C "$work/$pkg"
  got=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$work/$pkg/package/package.json" | head -1)
  licence=$(sed -n 's/.*"license": *"\([^"]*\)".*/\1/p' "$work/$pkg/package/package.json" | head -1)
  echo "@ip-location-db/$pkg $got ($licence)" >> "$work/SOURCE"
  for f in "$pkg"-ipv4.csv "$pkg"-ipv6.csv; do
    cp "$work/$pkg/package/$f" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
  done
  for f in "$work/$pkg"/package/*LICENSE* "$work/$pkg"/package/MODIFICATIONS; do
    [ -e "$f" ] && cp "$f" "$dir/$pkg-$(basename "$f")"
  done
done
mv "$work/SOURCE" "$dir/SOURCE"
echo "geolocation dataset in $dir:"
sed 's/^/  /' "$dir/SOURCE"
