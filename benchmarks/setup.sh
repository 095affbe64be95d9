#!/usr/bin/env bash
# Installs what the benchmarks compare jobtui with (Debian's task-spooler and GNU parallel),
# and jobtui itself into .venv. Run from the repository root.
set -euo pipefail
if ! command -v tsp >/dev/null || ! command -v parallel >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq task-spooler parallel
    else sudo apt-get update -qq && sudo apt-get install -y -qq task-spooler parallel; fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
