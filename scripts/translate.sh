#!/usr/bin/env bash
# Collect the interface messages, fill nl and fr from a JSON file
# {"nl": {msgid: msgstr}, "fr": {...}} (English is the msgid itself), and
# compile. Serialised with a lock so that several people can run it at once.
#   Usage: scripts/translate.sh [messages.json]
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/schoolpoort-translations.lock
flock 9
make --no-print-directory extract-messages >/dev/null 2>&1
py=.venv/bin/python
if [ $# -gt 0 ]; then
  for lang in nl fr; do
    tmp=$(mktemp)
    "$py" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1], encoding="utf-8")).get(sys.argv[2], {})))' "$1" "$lang" > "$tmp"
    "$py" scripts/po_fill.py "translations/$lang/LC_MESSAGES/messages.po" "$tmp"
    rm -f "$tmp"
  done
fi
"$py" scripts/po_fill.py translations/en/LC_MESSAGES/messages.po --identity
make --no-print-directory install >/dev/null
