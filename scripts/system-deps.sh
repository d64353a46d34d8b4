#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing: Chromium (browser
# tests through Playwright), poppler-utils (PDF pages to PNG) and the DejaVu fonts
# (embedded in PDFs), and wrk (the HTTP load generator of `python -m bench.served`). Needs root and apt-get; otherwise says what is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Memasang paket sistem: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "PERINGATAN: paket sistem belum terpasang dan tidak dapat dipasang otomatis: ${missing[*]}" >&2
  echo "Pasang dengan: sudo apt-get install ${missing[*]}" >&2
fi
