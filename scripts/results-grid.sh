#!/usr/bin/env bash
# The objectives grid of docs/results.md: each variant × seed on MNIST and Fashion-MNIST with the
# same small CNN, batch, augmentation and epochs (configs/mnist.toml, one epoch by default).
#
# Resumable across sittings and machines: each finished run's summary.json and config.toml are
# kept in results/grid/<data>-<variant>-s<seed>/ (committed; the run folders with their
# checkpoints stay under runs/grid/, ignored), and a run already kept there is skipped. After
# every run, `whac table results/grid` regenerates the grid section of docs/results.md (between
# the `grid:begin` / `grid:end` markers).
#
# usage: scripts/results-grid.sh [PHASE...]
#   PHASE: mnist:SEED or fashion-mnist:SEED; default: mnist:0 fashion-mnist:0 mnist:1 mnist:2
# env:   WHAC (binary; default: cargo build --release, then target/release/whac),
#        DATA (../shared/data), OUT (runs/grid), EPOCHS (1), VARIANTS (all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
OUT=${OUT:-runs/grid}
KEEP=${KEEP:-results/grid}
EPOCHS=${EPOCHS:-1}
if [[ -z "${WHAC:-}" ]]; then
    cargo build --release --locked -p whac-cli
    WHAC="${CARGO_TARGET_DIR:-target}/release/whac"
fi

declare -A SETS=(
    [nt_xent]='objective.kind="nt_xent"'
    [dcl]='objective.kind="dcl"'
    [hcl]='objective.kind="hcl"'
    [moco]='objective.kind="moco"'
    [rbm-importance]='objective.negatives="importance"'
    [rbm-all]='objective.negatives="all"'
    [rbm-sampled]='objective.negatives="sampled"'
    [rbm-unbiased]='objective.unbiased=true'
)
VARIANTS=${VARIANTS:-nt_xent rbm-importance rbm-all rbm-sampled rbm-unbiased moco dcl hcl}
PHASES=("$@")
[[ ${#PHASES[@]} -gt 0 ]] || PHASES=(mnist:0 fashion-mnist:0 mnist:1 mnist:2)

splice_table() {
    local table
    table=$("$WHAC" table "$KEEP")
    printf '%s\n' "$table" > "$OUT/table.md"
    # Replace the lines between the markers of docs/results.md with the fresh table.
    awk -v table="$OUT/table.md" '
        /<!-- grid:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
        /<!-- grid:end -->/   { skip = 0 }
        !skip' docs/results.md > docs/results.md.tmp
    mv docs/results.md.tmp docs/results.md
}

mkdir -p "$OUT" "$KEEP"
for phase in "${PHASES[@]}"; do
    data=${phase%%:*}
    seed=${phase##*:}
    if [[ ! -d "$DATA/$data" ]]; then
        echo "skip $phase: $DATA/$data not found (see ../shared/data/README.md)" >&2
        continue
    fi
    for variant in $VARIANTS; do
        name="$data-$variant-s$seed"
        folder="$OUT/$name"
        if [[ -f "$KEEP/$name/summary.json" ]]; then
            echo "have $name"
            continue
        fi
        rm -rf "$folder"
        echo "run  $folder"
        start=$(date +%s)
        "$WHAC" train --config configs/mnist.toml --data "$data:$DATA/$data" \
            --set "train.epochs=$EPOCHS" --set "train.seed=$seed" \
            --set eval.baseline_pixels=false --set "${SETS[$variant]}" \
            --out "$folder" > "$folder.log" 2>&1 || { echo "FAILED $folder (see $folder.log)" >&2; continue; }
        echo "done $folder in $(( $(date +%s) - start )) s"
        mkdir -p "$KEEP/$name"
        cp "$folder/summary.json" "$folder/config.toml" "$KEEP/$name/"
        splice_table
    done
done
