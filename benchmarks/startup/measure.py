#!/usr/bin/env python3
"""Start-up and tiny end-to-end times of hcv, run three ways: `dotnet run`, the built apphost, and an
installed .NET tool. Prints the best and the median of N runs (wall clock, each run a fresh process).

    dotnet build src/HiddenConvex.Cli -c Release
    dotnet pack src/HiddenConvex.Cli -c Release -o /tmp/hcv-nupkg
    dotnet tool install HiddenConvex.Verify --tool-path /tmp/hcv-tool --add-source /tmp/hcv-nupkg
    python3 benchmarks/startup/measure.py [--runs 10] [--tool /tmp/hcv-tool/hcv] [--reference NAME]

--tool PATH   an installed hcv (e.g. ~/.dotnet/tools/hcv or DIR/hcv from `dotnet tool install --tool-path DIR`)
The tiny end-to-end case is `hcv solve REF --beta B --json --quiet` on a reference instance of
tests/HiddenConvex.Core.Tests/Data/reference (its own beta). Every command must exit with 0.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROJECT = os.path.join(REPO, "src", "HiddenConvex.Cli")
APPHOST = os.path.join(PROJECT, "bin", "Release", "net10.0", "hcv")


def timed(argv, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(argv)} exited with {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return min(times), statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--tool", help="an installed hcv to measure too")
    ap.add_argument("--reference", default="ref05_n8_d3_gauss_f0.1.json")
    a = ap.parse_args()
    ref = os.path.join(REPO, "tests", "HiddenConvex.Core.Tests", "Data", "reference", a.reference)
    with open(ref) as f:
        beta = repr(float(json.load(f)["beta"]))
    ways = [("dotnet run", ["dotnet", "run", "--project", PROJECT, "-c", "Release", "--"]),
            ("dotnet run --no-build", ["dotnet", "run", "--project", PROJECT, "-c", "Release", "--no-build", "--"]),
            ("apphost bin/Release/net10.0/hcv", [APPHOST])]
    if a.tool:
        ways.append((f"installed tool {a.tool}", [a.tool]))
    cases = [("hcv --help", ["--help"]), (f"solve {a.reference}", ["solve", ref, "--beta", beta, "--json", "--quiet"])]
    print(f"{'way':<48} {'case':<38} {'best s':>8} {'median s':>9}   ({a.runs} runs each, {os.cpu_count()} cores)")
    for way, prefix in ways:
        for case, args in cases:
            best, median = timed(prefix + args, a.runs)
            print(f"{way:<48} {case:<38} {best:8.3f} {median:9.3f}", flush=True)


if __name__ == "__main__":
    main()
