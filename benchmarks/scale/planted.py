#!/usr/bin/python3
"""Planted-teacher data for the scale benchmark: X ~ N(0, I_d), y = Σ_k a_k σ(X w_k) + 0.1 N(0, 1) with a two-neuron
teacher, loss (c/2)‖z − y‖² with c = 2/n (PyTorch's MSELoss mean), and β = FRAC·β̂_max, where β̂_max is the best value of
|c y·σ(Xu)| over 20 000 random unit directions u (a lower estimate of β_max = ρ(c y), THEORY.md §4).

    /usr/bin/python3 benchmarks/scale/planted.py OUT.npz --n 1000 --d 10 [--frac 0.1] [--seed 0] [--teacher unit|gaussian]

--teacher unit (default): unit teacher directions, y = σ(X w_1) − 0.5 σ(X w_2) + 0.1 N(0, 1).
--teacher gaussian: the `bnb` benchmark's model, directions w_k ~ N(0, I_d) (norm about √d), y = σ(X w_1) − σ(X w_2)
+ 0.1 N(0, 1): a stronger signal against the same noise.

Writes OUT.npz (X, y) and prints one line of JSON: n, d, c, beta, beta_max_estimate. Refuses to overwrite OUT.npz.
"""
import argparse, json, os, sys
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--frac", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--teacher", choices=["unit", "gaussian"], default="unit")
    a = ap.parse_args()
    if os.path.exists(a.out):
        sys.exit(f"{a.out} exists; choose another file")
    rng = np.random.default_rng(a.seed)
    x = rng.normal(size=(a.n, a.d))
    w = rng.normal(size=(2, a.d))
    if a.teacher == "unit":
        w /= np.linalg.norm(w, axis=1, keepdims=True)
        second = 0.5
    else:
        second = 1.0
    y = np.maximum(x @ w[0], 0) - second * np.maximum(x @ w[1], 0) + 0.1 * rng.normal(size=a.n)
    c = 2.0 / a.n
    u = rng.normal(size=(20000, a.d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    beta_max = float(np.max(np.abs((c * y) @ np.maximum(x @ u.T, 0))))
    np.savez(a.out, X=x, y=y)
    print(json.dumps(dict(n=a.n, d=a.d, c=c, beta=a.frac * beta_max, beta_max_estimate=beta_max, teacher=a.teacher)))


if __name__ == "__main__":
    main()
