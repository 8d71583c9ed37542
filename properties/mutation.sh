#!/usr/bin/env bash
# Mutation score of HiddenConvex.Core, measured by dotnet-stryker (.config/dotnet-tools.json) group by group, each group
# with the tests that exercise it. Not part of CI (it takes long).
#
#   bash properties/mutation.sh --list                              # the groups, their files and their tests
#   bash properties/mutation.sh certificates losses                 # these groups, one Stryker run each
#   bash properties/mutation.sh Certificates/CertificateChecker.cs  # one file, with the tests of its group
#   bash properties/mutation.sh --numeric-core                      # every group of the numeric core
#
# Environment:
#   MUTATION_CONCURRENCY  Stryker's parallel test sessions (default 1; 2 when the machine is yours alone).
#   MUTATION_COMBINE=1    the selected groups in one Stryker run (build, mutant compilation and coverage run paid once;
#                         the test filter is the union of the groups' filters).
#   MUTATION_FILTER       replaces the groups' test filter ("all" runs every test: the full-suite score, slow).
#
# Every run writes Stryker's reports to reports/mutation/<stamp>/<run>/ and a line with its wall time, load and test
# filter to reports/mutation/<stamp>/runs.txt; the summary per group and file is printed and written to
# reports/mutation/<stamp>/summary.md.
# Score = killed / (killed + survived + no coverage), timeouts counted as killed (as Stryker counts them; the summary
# shows them apart); mutants that do not compile are not scored, as Stryker leaves them out.
#
# Why it finishes on two cores (see docs/mutation/README.md):
# - Stryker compiles every mutant of the project into one assembly whatever --mutate says, so --mutate alone does not
#   shrink a run; what does is the test filter: the initial run, the coverage run and every mutant's run execute only
#   the tests of the group's filter, and with per-test coverage a mutant runs only the filtered tests that reach it.
#   A score measured with a filter is a lower bound of the whole suite's score on that file.
# - The property suite's xunit host is a test project only of the groups whose filter names it (it adds a build and,
#   for every mutant it covers, a test host).
set -euo pipefail
cd "$(dirname "$0")"
core=../src/HiddenConvex.Core

# Groups: files relative to src/HiddenConvex.Core. Every .cs file of the core belongs to exactly one group (--list says
# which do not). The numeric core is every group but the last two (data and io).
declare -A groups=(
  [numerics]="Numerics/AccurateDot.cs Numerics/MinimumNormLeastSquares.cs Numerics/Norms.cs Numerics/Tolerance.cs Numerics/Rounding.cs Numerics/Relative.cs Numerics/Combinations.cs Numerics/ArraySize.cs Numerics/WorkLoops.cs"
  [losses]="Losses/Loss.cs Losses/SquaredLoss.cs Losses/LogisticLoss.cs Losses/LossRegistry.cs"
  [certificates]="Certificates/Certificate.cs Certificates/CertificateChecker.cs Certificates/RoundingBound.cs"
  [arrangements]="Arrangements/ActivationPattern.cs Arrangements/Cones.cs Arrangements/CellEnumerator.cs Arrangements/IncrementalArrangement.cs Arrangements/UnitNormals.cs Arrangements/RowSpace.cs Arrangements/PatternSet.cs Arrangements/CoverCount.cs Arrangements/PatternSampler.cs Arrangements/NetworkCells.cs"
  [pricing]="Pricing/EnumeratedPricing.cs Pricing/BlockGeometry.cs Pricing/ExactPathGuard.cs Pricing/Block.cs Pricing/PricingOracle.cs Pricing/ConeSupportBounds.cs"
  [branch-and-bound]="Pricing/BranchAndBoundPricing.cs Pricing/BranchAndBoundOracle.cs Pricing/BranchAndBoundSearch.cs Pricing/BranchAndBoundResults.cs Pricing/BranchAndBoundSettings.cs Pricing/CellSearch.cs Pricing/NodeBounder.cs Pricing/ConeIntervals.cs Pricing/BoundedLeastSquares.cs Pricing/Outward.cs"
  [projection]="Pricing/ConeProjection.cs"
  [solver]="Convex/ConvexSolver.cs Convex/WorkingSet.cs Convex/ReducedProgram.cs Convex/ConvexProblem.cs Convex/ConvexPoint.cs Convex/SolverResult.cs Convex/SolverSettings.cs Convex/DualPointSearch.cs Convex/DualPoints.cs Convex/DualPolish.cs Convex/DualCuttingPlanes.cs"
  [barrier]="Convex/BarrierSolver.cs Convex/BarrierNewtonSystem.cs Convex/DenseKernels.cs"
  [face-polish]="Convex/FacePolisher.cs"
  [optimal-set]="Convex/OptimalSet.cs Convex/VertexRefinement.cs Convex/MinimumSupportSearch.cs"
  [solution-check]="Convex/SolutionCheck.cs"
  [pipeline]="Pipeline/CertifiedPipeline.cs Pipeline/ExactPathCost.cs Pipeline/SampledWarmStart.cs Pipeline/NetworkWarmStart.cs"
  [maps]="Networks/Maps.cs Networks/Slots.cs Networks/NetworkObjective.cs"
  [stationarity]="Networks/Stationarity.cs Numerics/NeuronClarkeSet.cs Networks/StationaryBalance.cs Networks/Paths.cs"
  [training]="Training/Trainer.cs Training/ObjectiveGradient.cs"
  [verification]="Verification/OptimalityCheck.cs"
  [data]="Data/Dataset.cs Data/Guard.cs Data/InvalidInputException.cs Data/Network.cs"
  [io]="IO/CsvData.cs IO/DataLoader.cs IO/InputFile.cs IO/JsonArrays.cs IO/NetworkIO.cs IO/Npy.cs IO/Npz.cs IO/SafeFile.cs"
)
order=(numerics losses certificates arrangements pricing branch-and-bound projection solver barrier face-polish optimal-set solution-check
       pipeline maps stationarity training verification data io)
numeric_core=("${order[@]:0:17}")

# Tests run against a group's mutants (a VSTest filter). T = the core's xunit tests, P = the property suite's xunit host
# (every law, 20 cases each, a few seconds in all). A group's own test folder, plus the tests of its direct users where
# they are cheap; the slow end-to-end tests (solver regressions, training to convergence, the CLI) are left out.
# solver, barrier and face-polish run only the Convex tests that call them directly and the quick attempt's solves: with
# every Convex test and the property host a mutant of FacePolisher.cs took about a minute on two shared cores
# (docs/mutation/solver.md). Their scores are lower bounds of the whole suite's.
T=FullyQualifiedName~HiddenConvex.Core.Tests
P=FullyQualifiedName~HiddenConvex.Properties.Xunit
declare -A filters=(
  [numerics]="$T.Numerics|$T.Certificates|$T.Losses|$T.Networks.Stationarity|$T.Convex.AccuratePrediction|$T.Convex.CrossingBounds"
  [losses]="$T.Losses|$T.Certificates"
  [certificates]="$T.Certificates"
  [arrangements]="$T.Arrangements"
  [pricing]="$T.Pricing|$T.Certificates"
  [branch-and-bound]="$T.Pricing.BranchAndBound|$T.Pricing.BoundArithmetic|$T.Pipeline.SampledWarmStart"
  [projection]="$T.Pricing.ConeProject|$T.Pricing.Pricing"
  [solver]="$T.Convex.ConvexSolver|$T.Convex.QuickAttempt|$T.Convex.KinkRows|$T.Convex.CrossingBounds|$T.Convex.AccuratePrediction|$T.Convex.ReducedBlock|$T.Convex.DuplicateRowSolver|$T.Convex.SolverMutation|$T.Convex.DualPointMutation|$T.Certificates.DualPointTests"
  [barrier]="$T.Convex.Barrier|$T.Convex.NewtonForm|$T.Convex.DenseKernels|$T.Convex.QuickAttempt"
  [face-polish]="$T.Convex.FacePolisher|$T.Convex.QuickAttempt"
  [optimal-set]="$T.Convex.OptimalSet|$T.Convex.VertexRefinement|$T.Convex.MinimumSupportSearch|$P"
  [solution-check]="$T.Convex|$P"
  [pipeline]="$T.Convex|$T.Pipeline|$P"
  [maps]="$T.Networks.Maps|$T.Networks.NeuronOps|$T.Certificates|$P"
  [stationarity]="$T.Networks.Stationarity|$T.Networks.Paths|$T.Networks.PathSampling|$P"
  [training]="$T.Training"
  [verification]="$T.Verification"
  [data]="$T.Data|$T.IO"
  [io]="$T.IO"
)

# The group of a file given as an argument.
group_of() {
  local f=$1 g
  for g in "${order[@]}"; do
    for m in ${groups[$g]}; do [ "$m" = "$f" ] && { echo "$g"; return 0; }; done
  done
  return 1
}

list_groups() {
  for g in "${order[@]}"; do
    printf '%s%s\n  files: %s\n  tests: %s\n' "$g" "$([[ " ${numeric_core[*]} " == *" $g "* ]] || echo ' (not numeric core)')" \
      "${groups[$g]}" "${filters[$g]}"
  done
  # Files of the core in no group (a new file needs a group here).
  missing=0
  while IFS= read -r f; do
    group_of "$f" >/dev/null || { echo "NOT IN ANY GROUP: $f" >&2; missing=1; }
  done < <(cd "$core" && find . -name '*.cs' -not -path './obj/*' -not -path './bin/*' | sed 's|^\./||' | sort)
  return $missing
}

# The summary of a report folder: per group and file, from the run folders' names ("g1+g2:File" = group g1, file File of g2).
summarise() {
  local out=$1
  /usr/bin/python3 - "$out" <<PY | tee "$out/summary.md"
import json, sys, glob, os
out = sys.argv[1]
groups = {$(for g in "${order[@]}"; do printf '"%s": "%s".split(), ' "$g" "${groups[$g]}"; done)}
entries = []
for d in sorted(glob.glob(os.path.join(out, "*"))):
    if not os.path.isdir(d): continue
    for part in os.path.basename(d).split("+"):
        g, _, f = part.partition(":")
        if g not in groups: continue
        what = g if not f else next(m for m in groups[g] if os.path.basename(m) == f + ".cs")
        if [g, what] not in entries: entries.append([g, what])
killed_states = {"Killed", "Timeout"}
scored_states = killed_states | {"Survived", "NoCoverage"}
rows, tk, tt = [], 0, 0
for g, what in entries:
    members = groups[g] if what == g else [what]
    reports = [r for d in glob.glob(os.path.join(out, "*")) if os.path.isdir(d)
               and any(part.split(":")[0] == g for part in os.path.basename(d).split("+"))
               for r in glob.glob(os.path.join(d, "**", "mutation-report.json"), recursive=True)]
    if not reports:
        rows.append(f"| {g} | (no report: the run failed) | | | | | | | |"); continue
    files = json.load(open(sorted(reports)[-1]))["files"]
    for m in members:
        f = next((f for p, f in files.items() if p.endswith("HiddenConvex.Core/" + m)), None)
        if f is None: continue
        states = [x["status"] for x in f["mutants"]]
        k = sum(s in killed_states for s in states); t = sum(s in scored_states for s in states)
        # Disabled in source: ignored with the reason written in a "// Stryker disable" comment (Stryker's own filters
        # give reasons "Removed by ...").
        ignored = sum(x["status"] == "Ignored" and not (x.get("statusReason") or "").startswith("Removed by") for x in f["mutants"])
        tk += k; tt += t
        score = f"{100.0 * k / t:.1f} %" if t else "n/a"
        rows.append(f"| {g} | {m} | {k} | {t} | {score} | {states.count('Timeout')} | {states.count('NoCoverage')} | {ignored} | {states.count('CompileError')} |")
print("| group | file | killed | scored | score | of which timeouts | no coverage | disabled in source | did not compile |")
print("|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
overall = f"{100.0 * tk / tt:.1f} %" if tt else "n/a"
print(f"\n**Mutation score: {tk} / {tt} = {overall}** (killed or timed out / killed + survived + no coverage). Mutants disabled"
      " in source carry their reason in a \`// Stryker disable\` comment. Mutants that did not compile are not scored: when"
      " Stryker cannot attribute a compile error to one mutant it drops every mutant of the enclosing method, so look at"
      " that column before trusting a file's score. Scores measured with a test filter (runs.txt) are lower bounds.")
runs = os.path.join(out, "runs.txt")
if os.path.exists(runs): print("\n" + "".join("- " + line for line in open(runs)))
PY
  survivors "$out"
}

# Every mutant that survived or was not covered, by file and line, with its mutation (reports/mutation/<stamp>/survivors.md).
survivors() {
  /usr/bin/python3 - "$1" <<'PY' > "$1/survivors.md"
import json, sys, glob, os
out = sys.argv[1]
print("| file | line | mutator | mutation | status |")
print("|---|---|---|---|---|")
for r in sorted(glob.glob(os.path.join(out, "*", "**", "mutation-report.json"), recursive=True)):
    for path, f in sorted(json.load(open(r))["files"].items()):
        for m in sorted(f["mutants"], key=lambda m: m["location"]["start"]["line"]):
            if m["status"] not in ("Survived", "NoCoverage"): continue
            repl = " ".join((m.get("replacement") or "").split())[:90].replace("|", "\\|")
            print(f"| {path.split('HiddenConvex.Core/')[-1]} | {m['location']['start']['line']} | {m['mutatorName']} | `{repl}` | {m['status']} |")
PY
}

# Runs the selection: groups, single files (mutated alone, with their group's tests), or --numeric-core.
run() {
  selected=()   # entries "label=file file ..."
  [ $# -eq 0 ] && { echo "usage: bash properties/mutation.sh --list | --summary <report folder> | --numeric-core | <group|file>..." >&2; return 2; }
  for a in "$@"; do
    if [ "$a" = "--numeric-core" ]; then
      for g in "${numeric_core[@]}"; do selected+=("$g=$g"); done
    elif [ -n "${groups[$a]:-}" ]; then
      selected+=("$a=$a")
    elif g=$(group_of "$a"); then
      selected+=("$g=$a")
    else
      echo "unknown group or file '$a' (see --list)" >&2; return 2
    fi
  done

  dotnet tool restore >/dev/null
  stamp=$(date -u +%Y%m%d-%H%M%S)
  out="$PWD/../reports/mutation/$stamp"
  mkdir -p "$out"

  # One run per selection entry, or one run of all of them (MUTATION_COMBINE=1).
  runs=()
  if [ "${MUTATION_COMBINE:-0}" = 1 ]; then runs=("$(IFS=';'; echo "${selected[*]}")"); else runs=("${selected[@]}"); fi
  concurrency=${MUTATION_CONCURRENCY:-1}
  for run in "${runs[@]}"; do
    mutate=(); files=(); filter=""; names=()
    IFS=';' read -r -a entries <<< "$run"
    for e in "${entries[@]}"; do
      g=${e%%=*}; what=${e#*=}
      if [ "$what" = "$g" ]; then members=${groups[$g]}; names+=("$g"); else members=$what; names+=("$g:$(basename "$what" .cs)"); fi
      for f in $members; do mutate+=(--mutate "**/HiddenConvex.Core/$f"); files+=("$f"); done
      IFS='|' read -r -a terms <<< "${filters[$g]}"
      for t in "${terms[@]}"; do
        case "|$filter|" in *"|$t|"*) ;; *) filter="${filter:+$filter|}$t" ;; esac
      done
    done
    case "${MUTATION_FILTER:-}" in "") ;; all) filter="" ;; *) filter=$MUTATION_FILTER ;; esac
    name=$(IFS=+; echo "${names[*]}")
    # Next to stryker-config.json, so that its relative project paths mean the same; a copy is kept with the reports.
    config=".stryker-config.$name.json"
    /usr/bin/python3 - stryker-config.json "$config" "$filter" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
s = config["stryker-config"]
filt = sys.argv[3]
if filt:
    s["test-case-filter"] = f"({s['test-case-filter']})&({filt})"
    # The property suite's host is built and run only for the groups whose tests name it.
    if "HiddenConvex.Properties" not in filt:
        s["test-projects"] = [p for p in s["test-projects"] if "Properties" not in p]
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
    echo "== mutation run $name: ${files[*]} (tests: ${filter:-all})" >&2
    started=$(date +%s); load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    # Dots: one character per mutant tested, readable in a log (the progress bar needs a terminal).
    status=0
    dotnet stryker -f "$config" -c "$concurrency" "${mutate[@]}" -O "$out/$name" -r Dots -r Html -r Markdown -r Json \
      --skip-version-check || status=$?
    mv "$config" "$out/stryker-config.$name.json"
    wall=$(( $(date +%s) - started ))
    echo "run $name: $((wall / 60)) min $((wall % 60)) s wall with $concurrency test session(s); load average $load_before at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; exit $status; tests: ${filter:-all}" >> "$out/runs.txt"
  done

  summarise "$out"
}

# The whole script is parsed before anything runs (main at the end), so editing it during a run cannot change that run.
main() {
  case "${1:-}" in
    --list) list_groups ;;
    --summary) summarise "$(cd "$2" && pwd)" ;;
    *) run "$@" ;;
  esac
}
main "$@"
exit $?
