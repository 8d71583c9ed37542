#!/usr/bin/python3
"""Reference trainer adapter of the `hcv conform` protocol, task "train" (docs/conform-protocol.md).

Trains the two-layer ReLU network of THEORY.md section 1, L(U, alpha) = loss(sum_i relu(X u_i) alpha_i)
+ (beta/2) sum_i (|u_i|^2 + alpha_i^2), by full-batch gradient descent with a backtracking
(Armijo) step, from a seeded random start. It answers "converged" with stationarity_tolerance
equal to the gradient norm it reached when that norm is at most the request's tolerance, and
"stopped" otherwise.

`--mutant unbalanced` rescales every neuron to (2u, alpha/2) after training (same prediction,
larger weight decay) and still claims convergence; the suite must catch it (T4).

Needs Debian's /usr/bin/python3 with python3-numpy.
"""
import argparse
import json
import sys

import numpy as np

MUTANTS = {
    "unbalanced": "rescales each trained neuron to (2u, alpha/2) and still claims convergence",
}


def loss_and_grad(loss, c, z, y):
    if loss == "squared":
        r = z - y
        return 0.5 * c * float(r @ r), c * r
    m = -y * z
    sig = 1.0 / (1.0 + np.exp(-m))
    return c * float(np.sum(np.logaddexp(0.0, m))), -c * y * sig


def objective_and_grad(U, a, X, y, beta, loss, c):
    pre = X @ U.T                     # n x m
    act = np.maximum(pre, 0.0)
    z = act @ a
    l, g = loss_and_grad(loss, c, z, y)
    f = l + 0.5 * beta * (float(np.sum(U * U)) + float(a @ a))
    ga = act.T @ g + beta * a
    mask = (pre > 0).astype(float)    # the trainer's own choice c_j = 1[x_j.u > 0]
    gU = ((mask * g[:, None]) * a[None, :]).T @ X + beta * U
    return f, gU, ga


def train(req):
    X = np.array(req["X"], dtype=float)
    y = np.array(req["y"], dtype=float)
    beta = float(req["beta"])
    loss = req.get("loss", "squared")
    c = float(req.get("loss_scale", 1.0))
    m = int(req["width"])
    tol = float(req.get("tolerance", 1e-6))
    rng = np.random.default_rng(int(req.get("seed", 0)))
    n, d = X.shape
    U = rng.standard_normal((m, d)) * 0.5
    a = rng.standard_normal(m) * 0.5
    step = 1.0
    f, gU, ga = objective_and_grad(U, a, X, y, beta, loss, c)
    gnorm = np.sqrt(np.sum(gU * gU) + ga @ ga)
    it = 0
    for it in range(1, 5001):
        if gnorm <= tol:
            break
        while True:
            U2, a2 = U - step * gU, a - step * ga
            f2, gU2, ga2 = objective_and_grad(U2, a2, X, y, beta, loss, c)
            if f2 <= f - 0.5 * step * gnorm * gnorm or step < 1e-12:
                break
            step *= 0.5
        U, a, f, gU, ga = U2, a2, f2, gU2, ga2
        gnorm = np.sqrt(np.sum(gU * gU) + ga @ ga)
        step = min(step * 2.0, 1e3)
    return X, y, beta, loss, c, U, a, f, gnorm, it, tol


def answer(req, mutant):
    X, y, beta, loss, c, U, a, f, gnorm, it, tol = train(req)
    converged = gnorm <= tol
    if mutant == "unbalanced":
        U, a = 2.0 * U, 0.5 * a
        f, _, _ = objective_and_grad(U, a, X, y, beta, loss, c)
        converged = True
    ans = {
        "status": "converged" if converged else "stopped",
        "U": U.tolist(),
        "alpha": a.tolist(),
        "objective": f,
        "iterations": it,
        "solver": "numpy gradient descent" + (" mutant " + mutant if mutant else ""),
    }
    if converged:
        ans["stationarity_tolerance"] = max(float(gnorm), 1e-300) if mutant is None else tol
    return ans


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutant", choices=sorted(MUTANTS))
    args = ap.parse_args()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req.get("id")
            if req.get("task") != "train":
                raise ValueError("this adapter only implements task train, got " + str(req.get("task")))
            ans = answer(req, args.mutant)
        except Exception as e:
            ans = {"error": type(e).__name__ + ": " + str(e)}
        ans["id"] = rid
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
