#!/usr/bin/env bash
# whac beside PyTorch, interleaved (A B A B ...) so that load from other processes hits both alike
# (issue 7). Workloads: the CNN training step (`whac bench train-step` / train_step_torch.py), the
# CD-1 step at thresholded MNIST's density 0.13 and at 0.5 (`whac bench cd-step` /
# rbm_cd1_torch.py), the linear-probe fit on MNIST's pixels (`whac bench probe` /
# linear_probe_torch.py), the augmentation pipeline (`whac bench
# augment` / augment_torchvision.py), and with E2E=1 one epoch of SimCLR on MNIST end to end
# (`whac train` / simclr_epoch_torch.py). Prints every measurement as a JSON line, then a
# Markdown table of medians and ratios (the table of docs/performance.md).
#
#   bench/compare.sh [ROUNDS]
#
# env: PYTHON (needs torch, torchvision, numpy; default python3), WHAC (default: cargo build
#      --release, then target/release/whac), MNIST (../shared/data/mnist), THREADS (thread
#      counts of the step benchmarks, "1 2"; the augmentation and end-to-end runs use the last),
#      E2E (0)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PY=${PYTHON:-python3}
MNIST=${MNIST:-../shared/data/mnist}
THREAD_COUNTS=${THREADS:-1 2}
THREADS=${THREAD_COUNTS##* }
if [[ -z "${WHAC:-}" ]]; then
    cargo build --release --locked -q -p whac-cli
    WHAC="${CARGO_TARGET_DIR:-target}/release/whac"
fi
OUT=$(mktemp)
# tag ROUND WORKLOAD WHO: prefix each JSON line with the round, the workload and whac|pytorch.
tag() { sed "s/^{/{\"round\":$1,\"workload\":\"$2\",\"who\":\"$3\",/"; }

for round in $(seq "$ROUNDS"); do
    for t in $THREAD_COUNTS; do
        RAYON_NUM_THREADS=$t "$WHAC" bench train-step --batch 256 --steps 10 --repeats 2 \
            | tag "$round" train_step whac | tee -a "$OUT"
        "$PY" bench/train_step_torch.py --batch 256 --steps 10 --repeats 2 --threads "$t" \
            | tag "$round" train_step pytorch | tee -a "$OUT"
        RAYON_NUM_THREADS=$t "$WHAC" bench cd-step --hidden 500 --batch 256 --steps 50 --repeats 3 \
            | tag "$round" cd_step whac | tee -a "$OUT"
        "$PY" bench/rbm_cd1_torch.py --hidden 500 --batch 256 --steps 50 --repeats 3 --threads "$t" \
            | tag "$round" cd_step pytorch | tee -a "$OUT"
        # Half the pixels on: too dense for whac's sparse binary products, so dense gemms.
        RAYON_NUM_THREADS=$t "$WHAC" bench cd-step --hidden 500 --batch 256 --steps 50 --repeats 3 \
            --density 0.5 | tag "$round" cd_step_dense whac | tee -a "$OUT"
        "$PY" bench/rbm_cd1_torch.py --hidden 500 --batch 256 --steps 50 --repeats 3 --threads "$t" \
            --density 0.5 | tag "$round" cd_step_dense pytorch | tee -a "$OUT"
        if [[ -d "$MNIST" ]]; then
            RAYON_NUM_THREADS=$t "$WHAC" bench probe --data "mnist:$MNIST" --iters 100 --repeats 1 \
                | tag "$round" linear_probe whac | tee -a "$OUT"
            "$PY" bench/linear_probe_torch.py --data "$MNIST" --iters 100 --repeats 1 --threads "$t" \
                | tag "$round" linear_probe pytorch | tee -a "$OUT"
        fi
    done
    if [[ -d "$MNIST" ]]; then
        RAYON_NUM_THREADS=$THREADS "$WHAC" bench augment --data "mnist:$MNIST" --images 20000 \
            | tag "$round" augment whac | tee -a "$OUT"
        # torchvision's per-sample transforms gain nothing from intra-op threads (bench/augment.sh).
        "$PY" bench/augment_torchvision.py --data "$MNIST" --images 2000 --threads 1 \
            | tag "$round" augment pytorch | tee -a "$OUT"
    fi
done

if [[ "${E2E:-0}" == 1 && -d "$MNIST" ]]; then
    run=$(mktemp -d)
    RAYON_NUM_THREADS=$THREADS "$WHAC" train --config configs/mnist.toml --data "mnist:$MNIST" \
        --set objective.kind='"nt_xent"' --set eval.baseline_pixels=false --out "$run/whac" > /dev/null
    "$PY" - "$run/whac/summary.json" <<'PY' | tag 1 simclr_epoch whac | tee -a "$OUT"
import json, sys
s = json.load(open(sys.argv[1]))
print(json.dumps({"impl": "whac", "steps": s["steps"], "train_seconds": s["train_seconds"],
                  "views_per_second": s["views_per_second"], "knn_accuracy": s["knn"]["test_accuracy"]}))
PY
    "$PY" bench/simclr_epoch_torch.py --data "$MNIST" --workers "$THREADS" --threads "$THREADS" \
        | tag 1 simclr_epoch pytorch | tee -a "$OUT"
    rm -rf "$run"
fi

"$PY" - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def median(workload, who, key, threads):
    v = [r[key] for r in rows if r["workload"] == workload and r["who"] == who
         and (threads is None or r.get("threads") == threads)]
    return (statistics.median(v), len(v)) if v else (None, 0)
print()
print("| workload | threads | PyTorch | whac | ratio whac / PyTorch | GFLOP/s PyTorch / whac | rounds |")
print("|---|---|---|---|---|---|---|")
counts = sorted({r["threads"] for r in rows if r["workload"] in ("train_step", "cd_step", "linear_probe")})
# cd_step: images of density 0.13 (thresholded MNIST); cd_step_dense: density 0.5.
for workload, key, unit, threads in (
        [("train_step", "steps_per_second", "steps/s", t) for t in counts]
        + [("cd_step", "steps_per_second", "steps/s", t) for t in counts]
        + [("cd_step_dense", "steps_per_second", "steps/s", t) for t in counts]
        + [("linear_probe", "evaluations_per_second", "evals/s", t) for t in counts]
        + [("augment", "images_per_second", "images/s", None),
           ("simclr_epoch", "views_per_second", "views/s", None)]):
    (w, n), (p, _) = median(workload, "whac", key, threads), median(workload, "pytorch", key, threads)
    if w is None or p is None:
        continue
    gf = "–"
    if workload == "train_step":
        gp = median(workload, "pytorch", "gflop_per_second", threads)[0]
        gw = median(workload, "whac", "gflop_per_second", threads)[0]
        gf = f"{gp:.1f} / {gw:.1f}"
    shown = threads if threads is not None else "see note"
    print(f"| {workload} | {shown} | {p:,.2f} {unit} | {w:,.2f} {unit} | **{w / p:.2f}** | {gf} | {n} |")
for t in counts:
    for who in ("whac", "pytorch"):
        fit, _ = median("linear_probe", who, "fit_seconds", t)
        if fit is None:
            continue
        r = next(r for r in rows if r["workload"] == "linear_probe" and r["who"] == who and r["threads"] == t)
        print(f"\nlinear_probe {who}, {t} threads: fit {fit:.2f} s (median), {r['evaluations']} evaluations "
              f"in {r['iterations']} iterations, train loss {r['train_loss']:.4f}, test accuracy {r['test_accuracy']:.4f}")
e2e = [r for r in rows if r["workload"] == "simclr_epoch"]
for r in e2e:
    print(f"\nsimclr_epoch {r['who']}: {r['steps']} steps in {r['train_seconds']:.1f} s, kNN (k=200) {r['knn_accuracy']:.4f}")
PY
rm -f "$OUT"
