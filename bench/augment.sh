#!/usr/bin/env bash
# The augmentation benchmark of issue 3, side by side: whac's MNIST pipeline (Rust) and the same
# pipeline with torchvision v2 transforms applied per sample, on the same IDX images.
#
#   bench/augment.sh [MNIST_DIR]
#
# Environment: PYTHON (default python3; needs torch, torchvision, numpy), IMAGES (whac side,
# default 60000), TV_IMAGES (torchvision side, default 5000), THREADS (whac side, default: all
# cores), TV_THREADS (torch.set_num_threads, default 1: per-sample ops on 28x28 images do not
# gain from intra-op threads, and on a busy 2-core machine they lose a lot).
# Prints the two JSON lines, then the ratio of the rates.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:-../shared/data/mnist}
PYTHON=${PYTHON:-python3}
IMAGES=${IMAGES:-60000}
TV_IMAGES=${TV_IMAGES:-5000}
TV_THREADS=${TV_THREADS:-1}
THREAD_ARGS=()
if [[ -n "${THREADS:-}" ]]; then
    THREAD_ARGS=(--threads "$THREADS")
fi

cargo build --release -q -p whac-cli
WHAC="${CARGO_TARGET_DIR:-target}/release/whac"

rust=$("$WHAC" bench augment --data "mnist:$DATA" --images "$IMAGES" "${THREAD_ARGS[@]}")
echo "$rust"
tv=$("$PYTHON" bench/augment_torchvision.py --data "$DATA" --images "$TV_IMAGES" --threads "$TV_THREADS")
echo "$tv"
python3 - "$rust" "$tv" <<'PY'
import json, sys
rust, tv = (json.loads(a) for a in sys.argv[1:])
print(json.dumps({
    "whac_images_per_second": round(rust["images_per_second"]),
    "whac_threads": rust["threads"],
    "torchvision_images_per_second": round(tv["images_per_second"]),
    "torchvision_threads": tv["threads"],
    "ratio": round(rust["images_per_second"] / tv["images_per_second"], 1),
}))
PY
