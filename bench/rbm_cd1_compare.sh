#!/usr/bin/env bash
# The CD-1 step (784 × 500, batch 256) side by side: whac (`whac rbm bench`) and PyTorch
# (bench/rbm_cd1_torch.py), interleaved A B A B so that load from other processes hits both alike,
# at 1 and at 2 threads. Prints one JSON line per measurement and, last, the median ratios.
#
#   bench/rbm_cd1_compare.sh [WHAC_BINARY] [PYTHON] [ROUNDS]
set -euo pipefail
WHAC=${1:-${CARGO_TARGET_DIR:-target}/release/whac}
PY=${2:-python3}
ROUNDS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp)
for round in $(seq "$ROUNDS"); do
  for threads in 1 2; do
    RAYON_NUM_THREADS=$threads "$WHAC" rbm bench --steps 100 --repeats 3 \
      | sed "s/^{/{\"round\":$round,/" | tee -a "$OUT"
    "$PY" "$HERE/rbm_cd1_torch.py" --steps 100 --repeats 3 --threads "$threads" \
      | sed "s/^{/{\"round\": $round, /" | tee -a "$OUT"
  done
done
"$PY" - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for t in (1, 2):
    w = [r["steps_per_second"] for r in rows if r["threads"] == t and r["impl"].startswith("whac")]
    p = [r["steps_per_second"] for r in rows if r["threads"] == t and r["impl"].startswith("pytorch")]
    print(f"{t} thread(s): whac {statistics.median(w):.1f} steps/s, PyTorch {statistics.median(p):.1f} steps/s, ratio {statistics.median(w) / statistics.median(p):.2f}")
PY
rm -f "$OUT"
