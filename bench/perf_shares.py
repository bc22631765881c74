"""Inclusive shares of named functions in a `perf script` dump (docs/performance.md).

    RAYON_NUM_THREADS=1 perf record --call-graph dwarf,16384 -F 200 -o perf.data \
        whac bench train-step --steps 8 --repeats 1 --warmup 2
    perf script -i perf.data > perf.txt
    python3 bench/perf_shares.py perf.txt [NAME ...]

A sample counts for NAME when NAME appears anywhere in its stack, so shares overlap.
"""

import collections
import sys

DEFAULT = [
    "conv_relu_pool_forward", "conv_relu_pool_backward", "conv_relu_forward", "conv_relu_backward",
    "im2col", "col2im", "gemm", "max_pool2", "burn_flex::ops::conv", "burn_flex::ops::pool",
    "burn_flex::ops::module", "burn_flex::ops::matmul", "copy_batched_2d_tiled", "conv_transpose",
    "burn_flex::ops::activation", "burn_autodiff", "burn_optim", "clear_page", "page_fault",
]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    names = sys.argv[2:] or DEFAULT
    samples = [s for s in open(sys.argv[1]).read().split("\n\n") if s.count("\n") >= 1]
    counts = collections.Counter()
    for s in samples:
        for name in names:
            if name in s:
                counts[name] += 1
    for name in names:
        print(f"{100 * counts[name] / max(len(samples), 1):5.1f} %  {name}")
    print(f"{len(samples)} samples")


if __name__ == "__main__":
    main()
