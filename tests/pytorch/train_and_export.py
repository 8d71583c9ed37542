#!/usr/bin/python3
"""Trains two-layer ReLU networks with PyTorch (MSELoss + weight decay), exports them for `hcv check`,
and solves the convex program of THEORY.md §3 independently with cvxopt for comparison.

Usage: /usr/bin/python3 tests/pytorch/train_and_export.py OUTDIR [--seed S] [--n N] [--wd WD]
Needs: apt-get install -y python3-torch python3-numpy python3-cvxopt

Writes OUTDIR/data.npz (X without the bias column, y), OUTDIR/{wide,narrow,untrained}.npz (U = [weight | bias],
alpha) and OUTDIR/meta.json (c = 2/n and beta = wd for `hcv check --hidden-bias`, and the independent P*_c).
"""
import argparse, json, os
import numpy as np
import torch
from torch import nn


def make_data(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = np.sin(2.0 * x[:, 0]) + 0.1 * rng.normal(size=n)
    if d >= 2:
        y += 0.5 * np.abs(x[:, 1])
    return x, y


DTYPE = torch.float64


def model(d, m):
    return nn.Sequential(nn.Linear(d, m, bias=True), nn.ReLU(), nn.Linear(m, 1, bias=False)).to(DTYPE)


def objective(net, x, y, wd):
    # PyTorch's MSELoss (mean) plus weight decay wd on all weights, i.e. (1/n)Σ(z−y)² + (wd/2)‖θ‖².
    mse = nn.MSELoss()(net(x).squeeze(1), y)
    return mse + 0.5 * wd * sum((p ** 2).sum() for p in net.parameters())


def train(m, x, y, wd, seed, adam_steps=30000, lbfgs_rounds=50):
    if DTYPE == torch.float32:
        lbfgs_rounds = 0  # the typical float32 run: Adam only
    torch.manual_seed(seed)
    net = model(x.shape[1], m)
    # Full-batch Adam with the learning rate decaying from 1e-2 to 1e-6, then L-BFGS polishing.
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=(1e-4) ** (1.0 / adam_steps))
    for _ in range(adam_steps):
        opt.zero_grad()
        loss = objective(net, x, y, wd)
        loss.backward()
        opt.step()
        sched.step()
    opt = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=100, history_size=20,
                            tolerance_grad=1e-14, tolerance_change=1e-16, line_search_fn="strong_wolfe")
    for _ in range(lbfgs_rounds):
        def closure():
            opt.zero_grad()
            loss = objective(net, x, y, wd)
            loss.backward()
            return loss
        opt.step(closure)
    return net


def export(net, path):
    w = net[0].weight.detach().double().numpy()
    b = net[0].bias.detach().double().numpy()
    alpha = net[2].weight.detach().double().numpy()[0]
    assert net[2].bias is None, "a second-layer bias is not part of the model"
    np.savez(path, U=np.concatenate([w, b[:, None]], axis=1), alpha=alpha)


def independent_pstar(xb, y, c, beta, seed, directions=400000):
    """P*_c of THEORY.md §3 with cvxopt's cone QP, over the patterns found by sampling directions
    (an upper bound on P*_c; equal to it once every cell is found)."""
    from cvxopt import matrix, spmatrix, solvers
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(directions, xb.shape[1]))
    s = (xb @ u.T >= 0)
    pats = np.unique(s.T, axis=0)
    n, d = xb.shape
    blocks = [(p, g) for p in pats for g in (1.0, -1.0)]
    nb = len(blocks)
    nv = nb * d + nb
    a = np.zeros((n, nb * d))
    for k, (p, g) in enumerate(blocks):
        a[:, k * d:(k + 1) * d] = g * (p[:, None] * xb)
    pm = np.zeros((nv, nv))
    pm[:nb * d, :nb * d] = c * a.T @ a
    q = np.zeros(nv)
    q[:nb * d] = -c * a.T @ y
    q[nb * d:] = beta
    rows, cols, vals = [], [], []
    r = 0
    for k, (p, g) in enumerate(blocks):            # (2s−1) X w_b ≥ 0
        sgn = 2.0 * p - 1.0
        for j in range(n):
            for t in range(d):
                rows.append(r); cols.append(k * d + t); vals.append(-sgn[j] * xb[j, t])
            r += 1
    nl = r
    for k in range(nb):                             # ‖w_b‖ ≤ t_b
        rows.append(r); cols.append(nb * d + k); vals.append(-1.0); r += 1
        for t in range(d):
            rows.append(r); cols.append(k * d + t); vals.append(-1.0); r += 1
    g = spmatrix(vals, rows, cols, (r, nv))
    h = matrix(np.zeros(r))
    solvers.options.update({"show_progress": False, "abstol": 1e-10, "reltol": 1e-10, "feastol": 1e-10, "maxiters": 200})
    sol = solvers.coneqp(matrix(pm + 1e-13 * np.eye(nv)), matrix(q), g, h, {"l": nl, "q": [d + 1] * nb, "s": []})
    xs = np.array(sol["x"]).ravel()
    z = a @ xs[:nb * d]
    val = 0.5 * c * np.sum((z - y) ** 2) + beta * sum(np.linalg.norm(xs[k * d:(k + 1) * d]) for k in range(nb))
    return float(val), len(pats), sol["status"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--d", type=int, default=1)
    ap.add_argument("--wd", type=float, default=0.02)
    ap.add_argument("--wide", type=int, default=40)
    ap.add_argument("--narrow", type=int, default=1)
    ap.add_argument("--float32", action="store_true", help="train in float32 with Adam only (a typical PyTorch run)")
    ap.add_argument("--skip-independent", action="store_true", help="do not solve the convex program with cvxopt")
    args = ap.parse_args()
    global DTYPE
    DTYPE = torch.float32 if args.float32 else torch.float64
    os.makedirs(args.outdir, exist_ok=True)
    x, y = make_data(args.n, args.d, args.seed)
    np.savez(os.path.join(args.outdir, "data.npz"), X=x, y=y)
    xt, yt = torch.tensor(x, dtype=DTYPE), torch.tensor(y, dtype=DTYPE)
    meta = {"n": args.n, "wd": args.wd, "c": 2.0 / args.n, "beta": args.wd, "seed": args.seed,
            "dtype": "float32" if args.float32 else "float64"}
    for name, m, trained in [("wide", args.wide, True), ("narrow", args.narrow, True), ("untrained", 20, False)]:
        net = train(m, xt, yt, args.wd, args.seed + 1) if trained else (torch.manual_seed(args.seed + 1), model(args.d, m))[1]
        export(net, os.path.join(args.outdir, name + ".npz"))
        meta[name] = {"width": m, "pytorch_objective": float(objective(net, xt, yt, args.wd))}
        print(f"{name:10s} m = {m:3d}  PyTorch objective {meta[name]['pytorch_objective']:.12g}", flush=True)
    if args.skip_independent:
        meta["independent_pstar"] = float("nan")
        with open(os.path.join(args.outdir, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        return
    xb = np.concatenate([x, np.ones((args.n, 1))], axis=1)
    pstar, cells, status = independent_pstar(xb, y, 2.0 / args.n, args.wd, args.seed)
    meta["independent_pstar"] = pstar
    meta["independent_cells"] = cells
    meta["independent_status"] = status
    print(f"independent P*_c (cvxopt coneqp, {cells} sampled cells, {status}): {pstar:.12g}")
    with open(os.path.join(args.outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
