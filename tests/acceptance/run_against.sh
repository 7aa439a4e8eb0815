#!/bin/sh
# Run the acceptance tests against another worktree's code (its .venv and its packages):
#   tests/acceptance/run_against.sh /work/wt-imports [pytest args...]
# The tests come from this checkout; dazi, corpus, coding, reports from the other one.
set -e
target=$(cd "$1" && pwd); shift
here=$(cd "$(dirname "$0")" && pwd)
run=$(mktemp -d)
mkdir -p "$run/tests"
touch "$run/tests/__init__.py"
ln -s "$here" "$run/tests/acceptance"
cd "$run"
default=tests/acceptance
for arg in "$@"; do case "$arg" in tests/*) default= ;; esac; done
PYTHONPATH="$run:$target" "$target/.venv/bin/python" -m pytest $default -p no:cacheprovider \
    -p no:randomly -o addopts="" -W ignore::pytest.PytestUnknownMarkWarning "$@"
