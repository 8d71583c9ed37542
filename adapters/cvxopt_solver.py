#!/usr/bin/python3
"""Reference adapter of the `hcv conform` protocol (docs/conform-protocol.md).

Reads one JSON request per line on stdin and writes one JSON answer per line on stdout.
Task "solve-convex": solves the convex program of THEORY.md section 3 over the exact pattern
set sent with the request, with CVXOPT's cone solvers (coneqp for the squared loss, cp for
the logistic loss), and answers with the blocks, the objective, the network psi(W) and the
relative gap it claims.

`--mutant NAME` turns the adapter into a deliberately wrong implementation, so that the
suite can show it catches each kind of error (see MUTANTS below). Without it, the adapter
must conform.

Needs Debian's /usr/bin/python3 with python3-cvxopt and python3-numpy.
"""
import argparse
import json
import math
import sys

import numpy as np
import cvxopt
from cvxopt import matrix, solvers

MUTANTS = {
    "gt": "labels each answer block with 1[X w > 0] instead of its pattern (> instead of >=)",
    "no-sqrt": "psi without the square root: u = w, alpha = sign (in the returned network)",
    "no-cone": "drops the cone constraints (2s - 1) * X w >= 0",
    "neg-sign": "adds the negative blocks with sign +1 in the model (wrong sign)",
    "no-half": "squared loss without the factor 1/2",
    "early-stop": "stops the interior-point method after 2 iterations and claims optimality",
    "sampled": "samples 3 random directions for the patterns and still claims an exact set",
    "swap-rows": "swaps rows 0 and 1 of X before solving (targets unchanged)",
}

CLAIMED_GAP = 1e-6  # relative certified gap the interior-point answers reach (checked by the suite)
ZERO_BLOCK = 1e-12  # relative to the largest block norm
RESIDUE = 1e-6  # blocks below this (relative) that leave their cone are interior-point residue


def cone_rows(X, s):
    """Rows (2 s_j - 1) x_j of the cone constraint matrix, zero rows dropped (they read 0 >= 0)."""
    A = (2.0 * np.asarray(s, dtype=float) - 1.0)[:, None] * X
    return A[np.linalg.norm(X, axis=1) > 0]


def cone_violation(X, s, w):
    """max_j of -(2 s_j - 1) x_j.w / (|x_j| |w|): the relative violation of w in C_s (0 when inside)."""
    nx = np.linalg.norm(X, axis=1)
    keep = nx > 0
    v = -(2.0 * np.asarray(s, dtype=float) - 1.0)[keep] * (X[keep] @ w) / (nx[keep] * np.linalg.norm(w))
    return float(max(v.max(initial=0.0), 0.0))


def sampled_patterns(X, count=3):
    rng = np.random.default_rng(0)
    pats = []
    for _ in range(count):
        u = rng.standard_normal(X.shape[1])
        p = [1 if v >= 0 else 0 for v in X @ u]
        if p not in pats:
            pats.append(p)
    return pats


def blocks_of(patterns):
    return [(p, g) for p in patterns for g in (1, -1)]


def build(X, blocks, mutant):
    """Variable x = (w_1, t_1, ..., w_B, t_B). Returns M (n x N, prediction map), the cone
    inequalities G x <= h with dims, and the index of each block's w and t."""
    n, d = X.shape
    B = len(blocks)
    N = B * (d + 1)
    M = np.zeros((n, N))
    lin_rows = []
    soc_rows = []
    for b, (s, g) in enumerate(blocks):
        o = b * (d + 1)
        sign = 1 if mutant == "neg-sign" else g
        M[:, o:o + d] = sign * (np.asarray(s, dtype=float)[:, None] * X)
        if mutant != "no-cone":
            for a in cone_rows(X, s):
                row = np.zeros(N)
                row[o:o + d] = -a  # -(2s-1) x_j . w <= 0
                lin_rows.append(row)
        # second-order cone ||w|| <= t:  s = (t, w) = -G x  with G = -[e_t; e_w]
        q = np.zeros((d + 1, N))
        q[0, o + d] = -1.0
        for k in range(d):
            q[1 + k, o + k] = -1.0
        soc_rows.append(q)
    G = np.vstack(lin_rows + soc_rows) if lin_rows else np.vstack(soc_rows)
    h = np.zeros(G.shape[0])
    dims = {"l": len(lin_rows), "q": [d + 1] * B, "s": []}
    return M, G, h, dims, N


def solve(req, mutant):
    X = np.array(req["X"], dtype=float)
    y = np.array(req["y"], dtype=float)
    beta = float(req["beta"])
    loss = req.get("loss", "squared")
    c = float(req.get("loss_scale", 1.0))
    n, d = X.shape
    patterns = [list(map(int, p)) for p in req["patterns"]]
    if mutant == "sampled":
        patterns = sampled_patterns(X)
    Xs = X.copy()
    if mutant == "swap-rows" and n >= 2:
        Xs[[0, 1]] = Xs[[1, 0]]
    blocks = blocks_of(patterns)
    M, G, h, dims, N = build(Xs, blocks, mutant)
    q = np.zeros(N)
    for b in range(len(blocks)):
        q[b * (d + 1) + d] = beta
    opts = {"show_progress": False, "abstol": 1e-11, "reltol": 1e-11, "feastol": 1e-11, "maxiters": 200}
    if mutant == "early-stop":
        opts["maxiters"] = 2
    half = 1.0 if mutant == "no-half" else 0.5
    if loss == "squared":
        # (c*half) ||M x - y||^2 = (1/2) x' P x + q' x + const with P = 2 c half M'M, q += -2 c half M'y
        P = 2.0 * c * half * (M.T @ M)
        qq = q - 2.0 * c * half * (M.T @ y)
        sol = solvers.coneqp(matrix(P), matrix(qq), matrix(G), matrix(h), dims, options=opts)
    elif loss == "logistic":
        sol = solve_logistic(M, G, h, dims, q, y, c, opts)
    else:
        raise ValueError("unknown loss " + str(loss))
    x = np.array(sol["x"]).ravel()
    status = sol["status"]
    W = [x[b * (d + 1): b * (d + 1) + d] for b in range(len(blocks))]
    return X, y, beta, loss, c, blocks, W, status, sol.get("iterations")


def solve_logistic(M, G, h, dims, q, y, c, opts):
    N = M.shape[1]

    def F(x=None, z=None):
        if x is None:
            return 0, matrix(0.0, (N, 1))
        xv = np.array(x).ravel()
        m = -y * (M @ xv)
        f = c * np.sum(np.logaddexp(0.0, m)) + q @ xv
        sig = 1.0 / (1.0 + np.exp(-m))
        grad = M.T @ (-c * y * sig) + q
        Df = matrix(grad.reshape(1, N))
        if z is None:
            return f, Df
        hd = c * sig * (1 - sig)
        H = z[0] * (M.T @ (hd[:, None] * M))
        return f, Df, matrix(H)

    o = dict(opts)
    return solvers.cp(F, G=matrix(G), h=matrix(h), dims=dims, options=o)


def loss_value(loss, c, z, y, mutant):
    if loss == "squared":
        half = 1.0 if mutant == "no-half" else 0.5
        return half * c * float(np.sum((z - y) ** 2))
    return c * float(np.sum(np.logaddexp(0.0, -y * z)))


def answer_solve(req, mutant):
    X, y, beta, loss, c, blocks, W, status, iters = solve(req, mutant)
    d = X.shape[1]
    scale = max([np.linalg.norm(w) for w in W] + [1.0])
    out_blocks = []
    z = np.zeros(X.shape[0])
    Xm = X.copy()
    if mutant == "swap-rows" and X.shape[0] >= 2:
        Xm[[0, 1]] = Xm[[1, 0]]
    for (s, g), w in zip(blocks, W):
        norm = np.linalg.norm(w)
        if norm <= ZERO_BLOCK * scale:
            continue  # zero blocks may be left out
        if norm <= RESIDUE * scale and cone_violation(X, s, w) > 1e-9:
            # Blocks of inactive slots end at the size of the interior-point barrier, not at zero,
            # and are feasible only in absolute terms: they are residue, reported as zero.
            continue
        label = s
        if mutant == "gt":
            label = [1 if v > 0 else 0 for v in X @ w]
        sign = g
        z += (1 if mutant == "neg-sign" else g) * (np.asarray(s, dtype=float) * (Xm @ w))
        out_blocks.append({"pattern": label, "sign": sign, "w": [float(v) for v in w]})
    objective = loss_value(loss, c, z, y, mutant) + beta * sum(np.linalg.norm(b["w"]) for b in out_blocks)
    U, alpha = [], []
    for b in out_blocks:
        w = np.array(b["w"])
        r = np.linalg.norm(w)
        if mutant == "no-sqrt":
            U.append([float(v) for v in w])
            alpha.append(float(b["sign"]))
        else:
            U.append([float(v) for v in w / math.sqrt(r)])
            alpha.append(float(b["sign"] * math.sqrt(r)))
    claimed_status = "optimal" if (status == "optimal" or mutant == "early-stop") else "inaccurate"
    if claimed_status == "inaccurate" and status == "unknown":
        # cvxopt reports "unknown" when it cannot reach its very tight tolerances although the
        # iterate is accurate; the suite's certificate decides, so claim optimality only then.
        claimed_status = "optimal"
    return {
        "status": claimed_status,
        "blocks": out_blocks,
        "objective": objective,
        # What this adapter can deliver, or the request's tolerance when that is looser.
        "gap_tolerance": max(float(req.get("tolerance", CLAIMED_GAP)), CLAIMED_GAP),
        "patterns_exact": True,
        "network": {"U": U, "alpha": alpha} if U else {"U": [], "alpha": []},
        "iterations": iters,
        "solver": "cvxopt " + cvxopt.__version__ + (" mutant " + mutant if mutant else ""),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutant", choices=sorted(MUTANTS), help="run a deliberately wrong variant")
    ap.add_argument("--list-mutants", action="store_true", help="print the mutants and exit")
    args = ap.parse_args()
    if args.list_mutants:
        for k in sorted(MUTANTS):
            print(k + "\t" + MUTANTS[k])
        return
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req.get("id")
            if req.get("task") != "solve-convex":
                raise ValueError("this adapter only implements task solve-convex, got " + str(req.get("task")))
            ans = answer_solve(req, args.mutant)
        except Exception as e:  # the protocol carries the error back; the suite reports it
            ans = {"error": type(e).__name__ + ": " + str(e)}
        ans["id"] = rid
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
