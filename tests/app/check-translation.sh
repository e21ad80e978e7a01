#!/bin/sh
# usage: check-translation.sh APP
# The German catalogue is found and used: LANGUAGE is ignored in the C locale, so C.UTF-8.
set -eu
got=$(LANG=C.UTF-8 LC_ALL= LANGUAGE=de "$1" --print-tagline)
want="GPU-Kernelstarts untersuchen"
[ "$got" = "$want" ] || { echo "FAIL: got '$got', want '$want'"; exit 1; }
got_en=$(LANG=C.UTF-8 LC_ALL= LANGUAGE= "$1" --print-tagline)
[ "$got_en" = "Inspect GPU kernel launches" ] || { echo "FAIL: English tagline is '$got_en'"; exit 1; }
echo "ok: $got"
