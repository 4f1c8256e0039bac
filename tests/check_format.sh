#!/usr/bin/env bash
# Checks that every C++ and CUDA source follows .clang-format. Layouts differ between
# clang-format releases, so the check runs only with the one the project formats with
# (Debian 12's clang-format 14) and reports itself skipped (exit 77) otherwise.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want=14
if ! command -v clang-format >/dev/null; then
  echo "skipped: no clang-format (apt-get install clang-format)"
  exit 77
fi
version=$(clang-format --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [[ "$version" != "$want" ]]; then
  echo "skipped: formatting is checked with clang-format $want, this is $version"
  exit 77
fi
cd "$root"
mapfile -t files < <(find compute tests app widgets plugins -name '*.cpp' -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' 2>/dev/null | sort)
clang-format --dry-run --Werror "${files[@]}" || { echo "run: clang-format -i on the files above"; exit 1; }
echo "${#files[@]} files follow .clang-format"
