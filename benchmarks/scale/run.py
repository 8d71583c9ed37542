#!/usr/bin/python3
"""Scale benchmark: `hcv check` on PyTorch-trained networks where S(X) cannot be enumerated (THEORY.md §4a).

    /usr/bin/python3 benchmarks/scale/run.py WORKDIR [--sizes 1000x10,5000x5,2000x3,1000x20] [--steps 3000]
                                                    [--nets 50] [--time-limit 60] [--hcv "dotnet path/hcv.dll"]

--nets: comma-separated widths of the trained networks, "untrained" for a width-50 network at its initialisation
(e.g. --nets 200,50,2,untrained: wide, the issue's, narrow, untrained).
For each size n×d and network: trains the network of train_torch.py into WORKDIR/n{n}_d{d}_{net} (kept if present), runs
`hcv check data.npz net.npz --beta wd --loss-scale 2/n --json --time-limit T` under /usr/bin/time, and prints one row:
verdict, decided by, objective, proven lower bound, relative gap, the last bracket on ρ(v) with its status and nodes,
wall-clock seconds and peak resident memory. HCV defaults to the Release build of the CLI.
"""
import argparse, json, os, subprocess, sys, shlex

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_HCV = "dotnet " + os.path.join(HERE, "..", "..", "src", "HiddenConvex.Cli", "bin", "Release", "net10.0", "hcv.dll")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workdir")
    ap.add_argument("--sizes", default="1000x10,5000x5,2000x3,1000x20")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--nets", default="50")
    ap.add_argument("--time-limit", type=float, default=60)
    ap.add_argument("--hcv", default=os.environ.get("HCV", DEFAULT_HCV))
    a = ap.parse_args()
    print(f"{'n x d, net':>16} {'verdict':>22} {'decided by':>22} {'objective':>12} {'lower':>12} {'rel.gap':>9} "
          f"{'rho bracket (status, nodes)':>44} {'s':>7} {'MB':>6}")
    for size in a.sizes.split(","):
        n, d = (int(t) for t in size.lower().split("x"))
        for net in a.nets.split(","):
            check(a, n, d, net)


def check(a, n, d, net):
    """Trains (once) and checks one network; prints its row."""
    label = f"{n}x{d} {net}"
    width, steps = (50, 0) if net == "untrained" else (int(net), a.steps)
    out = os.path.join(a.workdir, f"n{n}_d{d}_{net}")
    if not os.path.exists(os.path.join(out, "net.npz")):
        subprocess.run([sys.executable, os.path.join(HERE, "train_torch.py"), out, "--n", str(n), "--d", str(d),
                        "--width", str(width), "--steps", str(steps)], check=True, stdout=subprocess.DEVNULL)
    meta = json.load(open(os.path.join(out, "meta.json")))
    cmd = ["/usr/bin/time", "-f", "%e %M"] + shlex.split(a.hcv) + [
        "check", os.path.join(out, "data.npz"), os.path.join(out, "net.npz"), "--beta", repr(meta["beta"]),
        "--loss-scale", repr(meta["loss_scale"]), "--json", "--time-limit", str(a.time_limit)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    seconds, kb = p.stderr.strip().splitlines()[-1].split()
    try:
        r = json.loads(p.stdout)
    except json.JSONDecodeError:
        print(f"{label:>16} failed (exit {p.returncode}): {p.stderr.strip().splitlines()[-2:]}")
        return
    b = r.get("pricing") or {}
    bracket = f"[{b.get('rho_lower', float('nan')):.4g}, {b.get('rho_upper', float('nan')):.4g}] ({b.get('status')}, {b.get('nodes')})"
    print(f"{label:>16} {r['verdict']:>22} {r['decided_by']:>22} {r['objective']:12.6g} {r['lower']:12.6g} "
          f"{r['relative_gap']:9.2e} {bracket:>44} {float(seconds):7.1f} {int(kb) / 1024:6.0f}", flush=True)


if __name__ == "__main__":
    main()
