#!/usr/bin/env bash
# Set up and run the whole test suite. Fails when pytest collects no test (exit 5).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh requirements-dev.txt || exit 1

# The browser journeys (tests/e2e) drive Debian's chromium with Chinese fonts; never run
# `playwright install` (it downloads a browser). The office tests (tests/test_office_files.py) print
# and re-save our xlsx files with LibreOffice and read the PDFs with poppler. Install what is missing
# when we can (root with apt-get); otherwise those tests skip with the reason locally and FAIL when CI=true.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# fonts-crosextra-carlito: Calibri's metrics, the font our xlsx cells name, so the print tests measure
# what Windows users see (without it LibreOffice substitutes a wider font).
for font in fonts-noto-cjk fonts-crosextra-carlito; do
  if command -v dpkg-query >/dev/null 2>&1 \
      && ! dpkg-query -W -f='${Status}' "$font" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$font")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} for the browser and office tests" >&2
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
      echo "could not install ${missing[*]}: the browser or office tests will skip (fail when CI=true)" >&2
    fi
  else
    echo "${missing[*]} missing and not installable here (needs root and apt-get):" \
         "the browser or office tests will skip (fail when CI=true)" >&2
  fi
fi

# One worker per core (pytest-xdist): the suite is about 1.6 x faster on two cores than in one process.
.venv/bin/python -m pytest -q -n auto "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
