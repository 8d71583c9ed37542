#!/usr/bin/env bash
# Runs every test of the project and ends with one plain line "N passed, N failed[, N skipped]":
#   1. the xunit tests of the solution (dotnet test): the core's, the hcv command's (run as a process)
#      and the FsCheck.Xunit-hosted properties,
#   2. the property suite in its quick configuration (the Expecto runner, which writes a report),
#   3. the tests of the Python module hiddenconvex (python/tests, run against the hcv built here).
# The conformance tests drive Python reference adapters (Debian's python3-cvxopt and python3-numpy);
# when those are missing and cannot be installed, that category is skipped and counted as skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0; failed=0; skipped=0
log=$(mktemp -d)

have_python_peers() { /usr/bin/python3 -c 'import cvxopt, numpy' >/dev/null 2>&1; }
if ! have_python_peers && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing python3-cvxopt and python3-numpy (reference adapters of the conformance tests)" >&2
  { apt-get update -qq && apt-get install -y -qq python3-cvxopt python3-numpy; } >"$log/apt.txt" 2>&1 || tail -5 "$log/apt.txt" >&2
fi
test_filter=()
if ! have_python_peers; then
  echo "warning: /usr/bin/python3 with cvxopt and numpy is not available: the Conform test category is skipped" >&2
  test_filter=(--filter "Category!=Conform")
  skipped_category=1
fi

if ! dotnet build HiddenConvex.Verify.sln -c Release -nodeReuse:false -v:q -clp:NoSummary; then
  echo "build failed" >&2
  printf '\n0 passed, 1 failed\n'
  exit 1
fi

# 1. xunit (core tests and xunit-hosted properties). One summary line per test project.
dotnet test HiddenConvex.Verify.sln -c Release --no-build -tl:off "${test_filter[@]}" 2>&1 | tee "$log/test.txt"
test_rc=${PIPESTATUS[0]}
projects=0
while IFS= read -r line; do
  f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")
  s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$line")
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s)); projects=$((projects + 1))
done < <(grep -E '^(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log/test.txt")
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $test_rc without reporting a failed test" >&2
  failed=$((failed + 1))
fi
# Every test project of the solution must report (one that is never run would be silently missing).
expected_projects=0
while IFS= read -r proj; do
  grep -q '<IsTestProject>true</IsTestProject>' "$proj" 2>/dev/null && expected_projects=$((expected_projects + 1))
done < <(dotnet sln HiddenConvex.Verify.sln list | grep -E '\.(cs|fs)proj$')
[ "$expected_projects" -ge 2 ] || expected_projects=2
if [ "$projects" -lt "$expected_projects" ]; then
  echo "expected summaries of $expected_projects test projects, found $projects" >&2
  failed=$((failed + 1))
fi

# 2. The property suite, quick configuration. Its report goes to reports/quick/<run>/ and does not move
#    reports/latest, which keeps pointing to the main job's (full) run.
quick_report="reports/quick/$(date -u +%Y%m%d-%H%M%S)-$$"
dotnet run --project properties/HiddenConvex.Properties -c Release --no-build -- --quick --report "$quick_report" 2>&1 | tee "$log/suite.txt"
suite_rc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/suite.txt" | tail -1)
if [ -n "$summary" ]; then
  passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$summary")))
  failed=$((failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$summary")))
  # Open regression cases (known defects, "open" in their JSON) are reported as skipped.
  if [[ "$summary" =~ ([0-9]+)\ skipped ]]; then skipped=$((skipped + ${BASH_REMATCH[1]})); fi
else
  echo "the property suite printed no summary line" >&2
  failed=$((failed + 1))
fi
if [ "$suite_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "the property suite exited with $suite_rc without reporting a failure" >&2
  failed=$((failed + 1))
fi

# 3. The Python module hiddenconvex (python/tests) against the hcv built above, with Debian's python3 and
#    numpy (its torch tests skip themselves, counted as skipped, where python3-torch is missing).
if /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then
  HCV="$PWD/src/HiddenConvex.Cli/bin/Release/net10.0/hcv" /usr/bin/python3 python/tests/run.py 2>&1 | tee "$log/python.txt"
  python_rc=${PIPESTATUS[0]}
  python_summary=$(grep -E '^python: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log/python.txt" | tail -1)
  if [ -n "$python_summary" ]; then
    read -r python_passed python_failed python_skipped < <(sed -E 's/^python: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"$python_summary")
    passed=$((passed + python_passed)); failed=$((failed + python_failed)); skipped=$((skipped + python_skipped))
  else
    echo "the Python tests printed no summary line" >&2
    failed=$((failed + 1))
  fi
  if [ "$python_rc" -ne 0 ] && [ "${python_failed:-0}" -eq 0 ]; then
    echo "the Python tests exited with $python_rc without reporting a failure" >&2
    failed=$((failed + 1))
  fi
else
  echo "warning: /usr/bin/python3 with numpy is not available: the Python module's tests are skipped" >&2
  skipped=$((skipped + 1))
fi

rm -rf "$log"
if [ "$skipped" -gt 0 ] || [ -n "${skipped_category:-}" ]; then
  printf '\n%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
else
  printf '\n%d passed, %d failed\n' "$passed" "$failed"
fi
[ "$failed" -eq 0 ]
