"""Fill empty translations in a .po file from a JSON file of {msgid: msgstr}.

    python scripts/po_fill.py translations/nl/LC_MESSAGES/messages.po nl.json
    python scripts/po_fill.py translations/en/LC_MESSAGES/messages.po --identity

A plural entry takes a list of forms in the JSON. Filled entries lose their
fuzzy flag; entries that already have a translation are left alone unless
--overwrite is given. Prints what is still missing.
"""

from __future__ import annotations

import argparse
import json
import sys

from babel.messages.pofile import read_po, write_po


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("po")
    parser.add_argument("source", nargs="?")
    parser.add_argument("--identity", action="store_true", help="msgstr = msgid (English)")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    with open(args.po, "rb") as f:
        catalog = read_po(f)
    mapping = {}
    if args.source:
        with open(args.source, encoding="utf-8") as f:
            mapping = json.load(f)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        done = all(message.string) if isinstance(message.id, tuple) else bool(message.string)
        if done and not message.fuzzy and not args.overwrite:
            continue
        if args.identity:
            value = list(message.id) if isinstance(message.id, tuple) else message.id
        else:
            value = mapping.get(key)
        if value is None:
            missing.append(key)
            continue
        message.string = tuple(value) if isinstance(message.id, tuple) else value
        message.flags.discard("fuzzy")
    # pybabel update copies the template's fuzzy header, and pybabel compile
    # skips a catalogue whose header is fuzzy.
    catalog.fuzzy = False
    with open(args.po, "wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=True, no_location=True)
    for key in missing:
        print(f"missing: {key!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
