#!/bin/sh
# usage: check-catalogue.sh SOURCE-ROOT
# Every translatable message of the files in po/POTFILES.in has a German translation that is
# neither missing nor fuzzy, so no part of the app shows up half in English.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
xgettext --from-code=UTF-8 -f po/POTFILES.in -k_ -kN_ -kC_:1c,2 -kNC_:1c,2 -kg_dngettext:2,3 -kngettext:1,2 \
  -o "$tmp/launchscope.pot"
msgmerge -q -o "$tmp/de.po" po/de.po "$tmp/launchscope.pot"
missing=$(msgattrib --untranslated --no-obsolete --no-wrap "$tmp/de.po" | grep -c '^msgid "..*"' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/de.po" | grep -c '^msgid "..*"' || true)
if [ "$missing" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
  echo "FAIL: po/de.po lacks $missing translations and has $fuzzy that no longer match their English:"
  msgattrib --untranslated --no-obsolete --no-wrap "$tmp/de.po" | grep '^msgid "..*"'
  msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/de.po" | grep '^msgid "..*"'
  exit 1
fi
echo "ok: every message has a German translation"
