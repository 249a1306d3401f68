#!/usr/bin/env bash
# Install the Debian packages the application (and, with "test", the test suite) needs,
# only when they are missing. Safe to run again and again.
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
if [ "${1:-}" = "test" ]; then
  want+=(chromium poppler-utils)
  # the real OpenID provider of the SSO tests (tests/oidc/) runs on Node.js (>= 20)
  command -v node >/dev/null && command -v npm >/dev/null || want+=(nodejs npm)
fi
if [ "${1:-}" = "bench" ]; then
  want+=(wrk poppler-utils)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "Please install as root: apt-get install ${missing[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
