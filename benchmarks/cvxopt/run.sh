#!/bin/sh
# Side-by-side benchmark: our certified solver against CVXOPT on the same exact-pattern problems.
# Needs Debian's python3-cvxopt and python3-numpy (apt-get install -y python3-cvxopt python3-numpy).
# Usage: benchmarks/cvxopt/run.sh [DIR]   (DIR defaults to a fresh temporary directory)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$(mktemp -d)}
bench="dotnet run -c Release --project $root/benchmarks/HiddenConvex.Benchmarks --"
$bench solve --export "$dir"
/usr/bin/python3 "$root/benchmarks/cvxopt/side_by_side.py" "$dir"
$bench solve --certify "$dir"
