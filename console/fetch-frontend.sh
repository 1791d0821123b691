#!/usr/bin/env bash
# Fetches the console's front-end libraries from the npm registry at build time (no copies in the
# repository, no CDN at run time: the console works on an air-gapped host once built), checks each
# against the integrity hash pinned here, and unpacks the file the console serves.
#   fetch-frontend.sh OUTPUT_DIR
set -euo pipefail
out=$1
mkdir -p "$out"
cache=${VIGIL_NPM_CACHE:-${HOME:-/root}/.cache/vigil-npm}
mkdir -p "$cache"

fetch() { # name version sha512-integrity path-in-package
  local name=$1 version=$2 integrity=$3 file=$4 tgz="$cache/$1-$2.tgz"
  if [ ! -s "$tgz" ]; then
    curl -fsSL --retry 3 --max-time 120 -o "$tgz.part" "https://registry.npmjs.org/$name/-/$name-$version.tgz" \
      || { echo "fetch-frontend: cannot download $name $version from registry.npmjs.org" >&2; exit 1; }
    mv "$tgz.part" "$tgz"
  fi
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    rm -f "$tgz"
    echo "fetch-frontend: $name $version does not match its pinned integrity hash" >&2
    exit 1
  fi
  local tmp
  tmp=$(mktemp -d)
  tar -xzf "$tgz" -C "$tmp" "package/$file"
  cp "$tmp/package/$file" "$out/"
  rm -rf "$tmp"
}

fetch cytoscape 3.30.2 sha512-oICxQsjW8uSaRmn4UK/jkczKOqTrVqt5/1WL0POiJUT2EKNc9STM4hYFHv917yu55aTBMFNRzymlJhVAiWPCxw== dist/cytoscape.min.js
