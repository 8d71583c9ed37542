#!/usr/bin/env bash
# Mutation score of the math in HiddenConvex.Core, measured by dotnet-stryker with the core's xunit
# tests and the xunit-hosted properties as the test runner. Not part of CI (it takes long).
#
#   bash properties/mutation.sh                 # every group, one after the other
#   bash properties/mutation.sh pricing maps    # only these groups
#   bash properties/mutation.sh --list          # the groups and their files
#
# The selected groups are mutated in one Stryker run, which writes reports/mutation/<stamp>/<g1+g2+...>/
# (Stryker's HTML, Markdown and JSON reports); the summary, per group and file, is printed and written to
# reports/mutation/<stamp>/summary.md.
# Score = killed / (killed + survived + no coverage); timeouts count as killed, as Stryker counts them;
# mutants that do not compile are left out, as Stryker leaves them out.
# MUTATION_CONCURRENCY (default 2) sets Stryker's number of parallel test runners.
set -euo pipefail
cd "$(dirname "$0")"

declare -A groups=(
  [arrangements]="Arrangements/ActivationPattern.cs Arrangements/Cones.cs Arrangements/CellEnumerator.cs Arrangements/IncrementalArrangement.cs Arrangements/UnitNormals.cs Arrangements/RowSpace.cs Arrangements/PatternSet.cs Arrangements/CoverCount.cs"
  [pricing]="Convex/Pricing.cs Verification/Certificate.cs Verification/CertificateChecker.cs"
  [projection]="Convex/ConeProjection.cs"
  [maps]="Networks/Maps.cs Networks/Slots.cs Networks/NetworkObjective.cs"
  [stationarity]="Networks/Stationarity.cs Networks/Paths.cs"
  [optimal-set]="Convex/OptimalSet.cs"
)
order=(arrangements pricing projection maps stationarity optimal-set)
# Tests run against the mutants of a group (besides Stryker's per-test coverage). Every test enumerates patterns and
# projects onto cones, so without a filter each surviving mutant of these two groups runs the whole test suite
# (~1 min of CPU per mutant); with it the score is the one of the group's own tests, a lower bound of the suite's.
declare -A filters=(
  [arrangements]="FullyQualifiedName~HiddenConvex.Core.Tests.Arrangements"
  [projection]="FullyQualifiedName~HiddenConvex.Core.Tests.Convex.ConeProject|FullyQualifiedName~HiddenConvex.Core.Tests.Convex.Pricing"
)

if [ "${1:-}" = "--list" ]; then
  for g in "${order[@]}"; do echo "$g: ${groups[$g]}${filters[$g]:+ (tests: ${filters[$g]})}"; done
  exit 0
fi
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${order[@]}")
for g in "${selected[@]}"; do
  [ -n "${groups[$g]:-}" ] || { echo "unknown group '$g' (see --list)" >&2; exit 2; }
done

dotnet tool restore >/dev/null
stamp=$(date -u +%Y%m%d-%H%M%S)
out="$PWD/../reports/mutation/$stamp"
mkdir -p "$out"
# One Stryker run mutates and tests the files of all selected groups: building, compiling the mutants
# and the coverage run (several minutes) are paid once. MUTATION_SEPARATE=1 runs each group on its own.
runs=()
if [ "${MUTATION_SEPARATE:-0}" = 1 ]; then runs=("${selected[@]}"); else runs=("$(IFS=+; echo "${selected[*]}")"); fi
for run in "${runs[@]}"; do
  mutate=(); files=(); filter=""; unfiltered=0
  for g in ${run//+/ }; do
    for f in ${groups[$g]}; do mutate+=(--mutate "**/HiddenConvex.Core/$f"); files+=("$f"); done
    if [ -n "${filters[$g]:-}" ]; then filter="${filter:+$filter|}${filters[$g]}"; else unfiltered=1; fi
  done
  # A run that holds an unfiltered group runs every test.
  [ "$unfiltered" = 1 ] && filter=""
  # Next to stryker-config.json, so that its relative project paths mean the same; a copy is kept with the reports.
  config=".stryker-config.$run.json"
  /usr/bin/python3 - stryker-config.json "$config" "$filter" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
if sys.argv[3]:
    s = config["stryker-config"]
    s["test-case-filter"] = f"({s['test-case-filter']})&({sys.argv[3]})"
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
  echo "== mutation run $run: ${files[*]}${filter:+ (tests: $filter)}" >&2
  started=$(date +%s); load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  dotnet stryker -f "$config" -c "${MUTATION_CONCURRENCY:-2}" "${mutate[@]}" -O "$out/$run" -r Progress -r Html -r Markdown -r Json --skip-version-check
  mv "$config" "$out/stryker-config.$run.json"
  echo "run $run: $(( ($(date +%s) - started) / 60 )) min wall with ${MUTATION_CONCURRENCY:-2} test runner(s); load average $load_before at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end" >> "$out/runs.txt"
done

group_files=()
for g in "${selected[@]}"; do group_files+=("$g=${groups[$g]}"); done
/usr/bin/python3 - "$out" "${group_files[@]}" <<'PY' | tee "$out/summary.md"
import json, sys, glob, os
out = sys.argv[1]
groups = {g: fs.split() for g, fs in (a.split("=", 1) for a in sys.argv[2:])}
killed_states = {"Killed", "Timeout"}
scored_states = killed_states | {"Survived", "NoCoverage"}
rows, total_k, total_t, total_ignored, total_ce = [], 0, 0, 0, 0
for g, members in groups.items():
    # The report of the run that held the group: its own folder, or the folder of a combined run "a+b".
    reports = [r for d in glob.glob(os.path.join(out, "*")) if g in os.path.basename(d).split("+")
               for r in glob.glob(os.path.join(d, "**", "mutation-report.json"), recursive=True)]
    if not reports:
        rows.append(f"| {g} | (no report: the run failed) | | | | |"); continue
    files = json.load(open(reports[0]))["files"]
    for path, f in sorted(files.items()):
        if not any(path.endswith("HiddenConvex.Core/" + m) for m in members): continue
        states = [m["status"] for m in f["mutants"]]
        k = sum(s in killed_states for s in states)
        t = sum(s in scored_states for s in states)
        # Disabled in source: ignored with the reason written in the `// Stryker disable` comment (Stryker's own
        # filters give reasons "Removed by ...").
        ignored = sum(m["status"] == "Ignored" and not (m.get("statusReason") or "").startswith("Removed by")
                      for m in f["mutants"])
        compile_errors = states.count("CompileError")
        if t == 0 and ignored == 0: continue
        total_k += k; total_t += t; total_ignored += ignored; total_ce += compile_errors
        score = f"{100.0 * k / t:.1f} %" if t else "n/a"
        rows.append(f"| {g} | {path.split('HiddenConvex.Core/')[-1]} | {k} | {t} | {score} | {ignored} | {compile_errors} |")
print("| group | file | killed | scored | score | disabled in source | did not compile |")
print("|---|---|---|---|---|---|---|")
print("\n".join(rows))
overall = f"{100.0 * total_k / total_t:.1f} %" if total_t else "n/a"
print(f"\n**Mutation score: {total_k} / {total_t} = {overall}** (killed or timed out / killed + survived + no coverage);"
      f" {total_ignored} mutants disabled in source by a `// Stryker disable` comment that gives the reason;"
      f" {total_ce} mutants did not compile and are not scored (Stryker drops them; when it cannot attribute a compile error to one mutant,"
      f" it drops the mutants of the whole enclosing method, so look at this column before trusting a file's score).")
runs = os.path.join(out, "runs.txt")
if os.path.exists(runs): print("\n" + "".join("- " + line for line in open(runs)))
PY
