#!/usr/bin/env bash
# Installs the real components the test suite talks to, when they are missing:
# Debian chromium (browser tests), Java (local Spark), PostgreSQL, and Azurite (Azure emulator, via npm).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
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
# Azurite, pinned, into a per-user tools folder shared by every checkout (as the conformance venvs are):
# a new clone or worktree finds it without reinstalling. LAKERUN_TOOLS moves it.
azurite_dir="${LAKERUN_TOOLS:-$HOME/.cache/lakerun/tools}/azurite"
if [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "installing azurite into $azurite_dir"
    mkdir -p "$azurite_dir"
    if ! (cd "$azurite_dir" && npm install --silent --no-audit --no-fund azurite@3.37.0 >"$azurite_dir/npm.log" 2>&1); then
      tail -20 "$azurite_dir/npm.log" >&2
      echo "warning: azurite could not be installed; Azure tests will be skipped" >&2
    fi
  else
    echo "warning: npm is missing; Azurite cannot be installed and the Azure tests will be skipped" >&2
  fi
fi
# Under LAKERUN_REQUIRE (CI), a component that is still missing stops here rather than failing tests later.
case ",${LAKERUN_REQUIRE:-}," in
  *,cloud,*) [ -x "$azurite_dir/node_modules/.bin/azurite-blob" ] || { echo "error: cloud is required but Azurite is missing" >&2; exit 1; } ;;
esac
case ",${LAKERUN_REQUIRE:-}," in
  *,browser,*) command -v chromium >/dev/null 2>&1 || { echo "error: browser is required but chromium is missing" >&2; exit 1; } ;;
esac
case ",${LAKERUN_REQUIRE:-}," in
  *,spark,*) command -v java >/dev/null 2>&1 || { echo "error: spark is required but java is missing" >&2; exit 1; } ;;
esac
