#!/usr/bin/env bash
# Builds the pinned Ory Hydra (test/hydra/tool/go.mod) once per machine and
# prints the binary's path. Cached in $OAUTHCHECK_HYDRA_CACHE (default
# ~/.cache/oauthcheck/hydra-v2.3.0), keyed by the tool module's go.sum, so
# .ci/run on the same machine does not rebuild. Needs Go, cgo (sqlite for
# DSN=memory) and the Go module proxy on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="v2.3.0"
cache="${OAUTHCHECK_HYDRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauthcheck/hydra-$version}"
bin="$cache/hydra"
stamp="$cache/go.sum.sha256"
want="$(sha256sum "$here/tool/go.sum" | cut -d' ' -f1)"

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "building Ory Hydra $version into $cache (cold: about 3 minutes on 2 cores, plus the module download)" >&2
start=$(date +%s)
(
  cd "$here/tool"
  # -mod=readonly: the tool module's go.sum is complete; GOFLAGS from the
  # caller (e.g. -race) must not leak into this build.
  CGO_ENABLED=1 GOFLAGS=-mod=readonly go build -trimpath -tags sqlite -o "$bin.tmp" github.com/ory/hydra/v2
)
mv "$bin.tmp" "$bin"
echo "$want" >"$stamp"
echo "built Ory Hydra $version in $(( $(date +%s) - start ))s" >&2
echo "$bin"
