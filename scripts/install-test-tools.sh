#!/usr/bin/env bash
# Installs the real components the test suite talks to, when they are missing:
# Debian chromium (browser tests), Java (local Spark), PostgreSQL, and Azurite (Azure emulator, npm).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "warning: missing ${need[*]}; the tests that need them will be skipped" >&2
  fi
fi
# PostgreSQL: start the cluster if it is installed but not answering.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi
# Azurite, pinned, into a project-local tools folder.
azurite_dir="$here/.lakerun/tools/azurite"
if [ ! -x "$azurite_dir/node_modules/.bin/azurite" ] && command -v npm >/dev/null 2>&1; then
  echo "installing azurite into $azurite_dir"
  mkdir -p "$azurite_dir"
  (cd "$azurite_dir" && npm install --silent --no-audit --no-fund azurite@3.37.0 >/dev/null 2>&1) \
    || echo "warning: azurite could not be installed; Azure tests will be skipped" >&2
fi
