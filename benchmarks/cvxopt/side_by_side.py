#!/usr/bin/python3
"""Solve the exact-pattern convex programs of THEORY.md section 3 with CVXOPT (a general conic
interior-point method) for the side-by-side benchmark.

For every DIR/*.problem.json written by `HiddenConvex.Benchmarks solve --export DIR`, builds

    minimise  (c/2) ||sum_b gamma_b diag(s_b) X w_b - y||^2 + beta * sum_b s_b
    s.t.      (2 s_b - 1)_j x_j . w_b >= 0   (every nonzero row j, every block b)
              ||w_b|| <= s_b                  (second-order cones)

over all 2p blocks, solves it with cvxopt.solvers.coneqp (squared loss), and writes
DIR/NAME.cvxopt.json with the blocks (pattern, sign, w), the status and the solve time.
The certified gap of that answer is computed afterwards by our independent checker
(`HiddenConvex.Benchmarks solve --certify DIR`), never by this script.

Run with Debian's interpreter: /usr/bin/python3 side_by_side.py DIR [REPEATS [BUDGET [NAME_PREFIX...]]]
(best of REPEATS solves, default 3, stopping early once BUDGET seconds, default 120, are spent; only the
problems whose name starts with one of the prefixes, e.g. n8_ n20_, when prefixes are given).
"""
import json
import pathlib
import sys
import time

import numpy as np
from cvxopt import matrix, solvers, spmatrix


def build(problem):
    x = np.array(problem["X"], dtype=float)
    y = np.array(problem["y"], dtype=float)
    beta, c = float(problem["beta"]), float(problem["loss_scale"])
    if problem["loss"] != "squared":
        raise SystemExit(f"{problem['name']}: only the squared loss is set up for CVXOPT")
    n, d = x.shape
    blocks = [(s, sign) for s in problem["patterns"] for sign in (1, -1)]
    k = len(blocks)
    nvar = k * d + k
    m = np.zeros((n, k * d))
    for b, (s, sign) in enumerate(blocks):
        mask = np.array([ch == "1" for ch in s], dtype=float)
        m[:, b * d:(b + 1) * d] = sign * mask[:, None] * x
    p = np.zeros((nvar, nvar))
    p[:k * d, :k * d] = c * m.T @ m
    q = np.concatenate([-c * m.T @ y, beta * np.ones(k)])
    # Linear rows: -(2s_j - 1) x_j . w_b <= 0.
    vals, rows, cols = [], [], []
    r = 0
    nonzero = [j for j in range(n) if np.any(x[j] != 0)]
    for b, (s, _) in enumerate(blocks):
        for j in nonzero:
            sgn = 1.0 if s[j] == "1" else -1.0
            for t in range(d):
                vals.append(-sgn * x[j, t]); rows.append(r); cols.append(b * d + t)
            r += 1
    n_lin = r
    # Second-order cones: h - G x = (s_b, w_b).
    for b in range(k):
        vals.append(-1.0); rows.append(r); cols.append(k * d + b); r += 1
        for t in range(d):
            vals.append(-1.0); rows.append(r); cols.append(b * d + t); r += 1
    g = spmatrix(vals, rows, cols, (r, nvar))
    h = matrix(np.zeros(r))
    dims = {"l": n_lin, "q": [d + 1] * k, "s": []}
    return blocks, matrix(p), matrix(q), g, h, dims, d


def main(directory, repeats, budget, only):
    solvers.options.update({"show_progress": False, "abstol": 1e-10, "reltol": 1e-10, "feastol": 1e-10, "maxiters": 200})
    for path in sorted(pathlib.Path(directory).glob("*.problem.json")):
        problem = json.loads(path.read_text())
        if only and not any(problem["name"].startswith(prefix) for prefix in only):
            continue
        blocks, p, q, g, h, dims, d = build(problem)
        # Best of up to `repeats` solves (fewer once `budget` seconds are spent), wall clock and CPU time,
        # measured the same way as our side (HiddenConvex.Benchmarks solve --export).
        walls, cpus = [], []
        while len(walls) < repeats and (not walls or sum(walls) < budget):
            start, cpu = time.perf_counter(), time.process_time()
            sol = solvers.coneqp(p, q, g, h, dims)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        xs = np.array(sol["x"]).ravel()
        out = {
            "name": problem["name"],
            "status": sol["status"],
            "seconds": min(walls),
            "cpu_seconds": min(cpus),
            "runs": len(walls),
            "iterations": sol["iterations"],
            "blocks": [{"pattern": s, "sign": sign, "w": xs[b * d:(b + 1) * d].tolist()}
                       for b, (s, sign) in enumerate(blocks)],
        }
        target = path.with_name(path.name.replace(".problem.json", ".cvxopt.json"))
        target.write_text(json.dumps(out))
        print(f"{problem['name']}: {len(blocks)} blocks, cvxopt {sol['status']} best of {len(walls)}: "
              f"{min(walls):.3f} s wall, {min(cpus):.3f} s CPU", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: /usr/bin/python3 side_by_side.py DIR [REPEATS [BUDGET_SECONDS [NAME_PREFIX...]]]")
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3,
         float(sys.argv[3]) if len(sys.argv) > 3 else 120.0, sys.argv[4:])
