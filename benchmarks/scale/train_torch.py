#!/usr/bin/python3
"""Trains the network a PyTorch user trains and exports it for `hcv check`, at the sizes of the scale benchmark.

    /usr/bin/python3 benchmarks/scale/train_torch.py OUTDIR --n 1000 --d 10 [--width 50] [--wd 1e-3] [--steps 3000] [--seed 0]

Model: Sequential(Linear(d, width, bias=False), ReLU(), Linear(width, 1, bias=False)) in float64, Adam(lr 1e-2,
weight_decay=wd) on MSELoss (mean): the objective (1/n)Σ(z − y)² + (wd/2)‖θ‖², i.e. `hcv check --loss-scale 2/n --beta wd`.
Data: x ~ N(0, I_d), y = sin(2 x_1) + 0.5|x_2| + 0.1 N(0, 1) (seeded). Writes OUTDIR/data.npz (X, y), OUTDIR/net.npz
(U = first-layer weight, alpha = second-layer weight) and OUTDIR/meta.json (n, d, width, wd, loss_scale, beta, the
PyTorch objective). Refuses to overwrite OUTDIR's files.
"""
import argparse, json, os, sys
import numpy as np
import torch
from torch import nn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--width", type=int, default=50)
    ap.add_argument("--wd", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    for f in ("data.npz", "net.npz", "meta.json"):
        if os.path.exists(os.path.join(a.outdir, f)):
            sys.exit(f"{os.path.join(a.outdir, f)} exists; choose another OUTDIR")
    rng = np.random.default_rng(a.seed)
    x = rng.normal(size=(a.n, a.d))
    y = np.sin(2.0 * x[:, 0]) + 0.1 * rng.normal(size=a.n)
    if a.d >= 2:
        y += 0.5 * np.abs(x[:, 1])
    torch.manual_seed(a.seed)
    net = nn.Sequential(nn.Linear(a.d, a.width, bias=False), nn.ReLU(), nn.Linear(a.width, 1, bias=False)).double()
    xt, yt = torch.tensor(x), torch.tensor(y)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2, weight_decay=a.wd)
    for _ in range(a.steps):
        opt.zero_grad()
        loss = nn.MSELoss()(net(xt).squeeze(1), yt)
        loss.backward()
        opt.step()
    with torch.no_grad():
        obj = nn.MSELoss()(net(xt).squeeze(1), yt).item() + 0.5 * a.wd * sum((p ** 2).sum().item() for p in net.parameters())
    u = net[0].weight.detach().numpy()
    alpha = net[2].weight.detach().numpy().reshape(-1)
    np.savez(os.path.join(a.outdir, "data.npz"), X=x, y=y)
    np.savez(os.path.join(a.outdir, "net.npz"), U=u, alpha=alpha)
    meta = dict(n=a.n, d=a.d, width=a.width, wd=a.wd, loss_scale=2.0 / a.n, beta=a.wd, steps=a.steps, seed=a.seed, pytorch_objective=obj)
    with open(os.path.join(a.outdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
