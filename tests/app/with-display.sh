#!/bin/sh
# Runs "$@" on the session's display, under its own Xvfb, or skips (77) when neither exists.
# Under one shared `xvfb-run meson test` (build-aux/test) DISPLAY is set and reused.
# -noreset: Xvfb otherwise resets each time its last client leaves, and a forked Check test
# connecting during the reset fails with "cannot open display".
if [ -n "${DISPLAY:-}" ]; then exec "$@"; fi
if command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp -noreset" "$@"
fi
echo "no DISPLAY and no xvfb-run: skipping" >&2
exit 77
