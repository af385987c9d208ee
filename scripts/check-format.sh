#!/usr/bin/env bash
# scripts/check-format.sh SOURCE_DIR - every tracked C file is formatted
# with the repository's .clang-format (STYLE rule 21).  Run by ctest as
# api.format; fix with: clang-format -i <file>.
set -euo pipefail
cd "$1"
fmt=$(command -v clang-format || true)
if [[ -z $fmt ]]; then
  echo "clang-format is not installed (scripts/install-deps.sh test installs it)" >&2
  exit 1
fi
bad=0
while IFS= read -r f; do
  if ! "$fmt" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"
    bad=$((bad + 1))
  fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
echo "check-format: $bad file(s) need clang-format"
[[ $bad -eq 0 ]]
