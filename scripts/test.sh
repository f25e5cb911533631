#!/usr/bin/env bash
# The one command that runs every test (README): set-up on a fresh machine, the style check, then
# every compiled tap test file. Ends with the line "N passed, N failed" (assertions; a skipped
# assertion counts as failed: no test may skip silently).
# Usage: scripts/test.sh [tap file filters...]
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

style_failed=0
if ! node scripts/style-check.js; then style_failed=1; fi

if [ $# -gt 0 ]; then files=("$@"); else
  mapfile -t files < <(find packages/*/dist/test dist/test bench/dist/test -name '*.test.js' 2>/dev/null | sort)
fi
log=$(mktemp)
npx tap --reporter=tap "${files[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -1)
# CI shows only the tail of this output: repeat each failure (its file, line and diagnostics) here.
if grep -qE '^\s*not ok' "$log"; then
  echo "# failures, repeated from above:"
  awk '/^# Subtest: /{file=$0} /^[[:space:]]*not ok/{n=25; print file} n>0{print; n--}' "$log" | head -400
fi
rm -f "$log"
num() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
pass=$(num pass); fail=$(num fail); skip=$(num skip); todo=$(num todo)
[ -n "$summary" ] || { fail=1; echo "test.sh: tap produced no summary (exit $rc)" >&2; }
failed=$((fail + skip + todo + style_failed))
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "${pass} passed, ${failed} failed"
[ "$failed" = 0 ]
