#!/bin/sh
# Runs `hcv check` on the networks written by train_and_export.py OUTDIR and prints one line each.
# Usage: tests/pytorch/validate.sh OUTDIR [HCV]   (HCV defaults to the Release build of the CLI)
set -e
OUT=${1:?usage: validate.sh OUTDIR [HCV]}
HCV=${2:-"dotnet $(dirname "$0")/../../src/HiddenConvex.Cli/bin/Release/net10.0/hcv.dll"}
META="$OUT/meta.json"
BETA=$(/usr/bin/python3 -c "import json;print(json.load(open('$META'))['beta'])")
C=$(/usr/bin/python3 -c "import json;print(repr(json.load(open('$META'))['c']))")
for NET in wide narrow untrained; do
  rm -f "$OUT/$NET.check.json" "$OUT/$NET.improved.npz"
  set +e
  $HCV check "$OUT/data.npz" "$OUT/$NET.npz" --beta "$BETA" --loss-scale "$C" --hidden-bias --json \
      --improve "$OUT/$NET.improved.npz" > "$OUT/$NET.check.json" 2> "$OUT/$NET.check.log"
  CODE=$?
  set -e
  /usr/bin/python3 - "$OUT/$NET.check.json" "$META" "$NET" "$CODE" <<'PY'
import json, os, sys
import numpy as np
r = json.load(open(sys.argv[1])); meta = json.load(open(sys.argv[2])); net = sys.argv[3]
out = os.path.dirname(sys.argv[1])

def pytorch_objective(path):
    # (1/n)Σ(z−y)² + (wd/2)‖θ‖², recomputed here independently of hcv (hidden bias: ones column).
    d = np.load(os.path.join(out, "data.npz")); w = np.load(path)
    xb = np.concatenate([d["X"], np.ones((d["X"].shape[0], 1))], axis=1)
    z = np.maximum(xb @ w["U"].T, 0) @ w["alpha"]
    return np.mean((z - d["y"]) ** 2) + 0.5 * meta["wd"] * (np.sum(w["U"] ** 2) + np.sum(w["alpha"] ** 2))

before = pytorch_objective(os.path.join(out, net + ".npz"))
improved = os.path.join(out, net + ".improved.npz")
after = pytorch_objective(improved) if os.path.exists(improved) else float("nan")
e = r["escape_neuron"]
esc = "none" if e is None else f"predicted {e['predicted_decrease']:.3e}, actual {e['actual_decrease']:.3e}"
p = meta["independent_pstar"]
print(f"{net:9s} exit {sys.argv[4]}  verdict {r['verdict']:23s} by {r['decided_by']:20s} objective {r['objective']:.10g}"
      f"  lower {r['lower']:.10g}  gap {r['gap']:.3e} (rel {r['relative_gap']:.2e})"
      f"  objective - P*_indep {r['objective'] - p:.3e}  stationarity {r['stationarity_relative']:.2e} (rel)"
      f"  local rel gap {r['local_relative_gap']:.2e}  escape: {esc}  minimal width {r['minimal_width']}"
      f"  improved ({r.get('improved_by', 'none')}): numpy objective {before:.10g} -> {after:.10g}")
PY
done
