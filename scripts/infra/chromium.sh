#!/usr/bin/env bash
# Debian's Chromium at /usr/bin/chromium for the storefront's browser tests (web/test), which
# drive it with playwright-core (no browser download of Playwright's own). Idempotent: does
# nothing when it is there. Needs root (apt-get install); CI runs as root.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
FONTS=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
if [[ -x $CHROMIUM && -e $FONTS ]]; then exit 0; fi
say() { printf '[infra] %s\n' "$*"; }
if [[ $(id -u) != 0 ]]; then
  say "chromium: $CHROMIUM missing and not root; install it with: apt-get install -y chromium (the storefront tests need it)"
  exit 0
fi
say "chromium: installing Debian's chromium (first run only)"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends chromium fonts-liberation fonts-noto-color-emoji >/tmp/recgraph-chromium-install.log 2>&1; then
  apt-get update >>/tmp/recgraph-chromium-install.log 2>&1 || true
  apt-get install -y --no-install-recommends chromium fonts-liberation fonts-noto-color-emoji >>/tmp/recgraph-chromium-install.log 2>&1 ||
    { say "chromium: apt-get install failed; see /tmp/recgraph-chromium-install.log"; exit 1; }
fi
[[ -x $CHROMIUM ]] || { say "chromium: installed but $CHROMIUM is missing"; exit 1; }
say "chromium: $($CHROMIUM --version 2>/dev/null || echo installed)"
