#!/usr/bin/env python3
"""The linear-probe fit in PyTorch, timed like `whac bench probe`.

Same work as whac-eval's `linear_probe` on the raw pixels of MNIST: standardise every column by
the training set's mean and population standard deviation (a constant column is only centred),
softmax regression with bias from zero weights, objective mean cross-entropy + l2/2 * ||W||^2
(bias not penalised), a fixed number of full-batch L-BFGS iterations (history 10, strong-Wolfe
line search, no early stop), then test accuracy. Float32, as a PyTorch user would write it.

`evaluations` counts the closure's calls (loss and gradient over the whole training set); whac's
line search is a different one, so compare `evaluations_per_second` for speed. Prints one JSON
line; the time is the median over repeats of the whole fit (standardise, L-BFGS, predict).

    python bench/linear_probe_torch.py --data ../shared/data/mnist --iters 100 --repeats 3
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch


def read_idx(directory, stem, magic_expected):
    """An IDX file of an MNIST-style folder (gzipped or not) as a numpy array."""
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            dims = magic_expected & 0xFF
            header = np.frombuffer(data, dtype=">u4", count=1 + dims)
            if header[0] != magic_expected:
                sys.exit(f"{path}: magic number is {header[0]}, expected {magic_expected}")
            shape = tuple(int(s) for s in header[1:])
            values = np.frombuffer(data, dtype=np.uint8, offset=4 * (1 + dims))
            if values.size != int(np.prod(shape)):
                sys.exit(f"{path}: truncated: expected {int(np.prod(shape))} values, found {values.size}")
            return values.reshape(shape)
    sys.exit(f"{directory}: {stem}[.gz] not found")


def fit(x_train, y_train, x_test, y_test, classes, iters, l2):
    mean = x_train.mean(0)
    std = x_train.std(0, unbiased=False)
    scale = torch.where(std > 0, std, torch.ones_like(std))
    xs = (x_train - mean) / scale
    xt = (x_test - mean) / scale
    d = xs.shape[1]
    w = torch.zeros(d, classes, requires_grad=True)
    b = torch.zeros(classes, requires_grad=True)
    opt = torch.optim.LBFGS(
        [w, b],
        lr=1.0,
        max_iter=iters,
        max_eval=10 * iters,
        history_size=10,
        tolerance_grad=0.0,
        tolerance_change=0.0,
        line_search_fn="strong_wolfe",
    )
    calls = 0

    def closure():
        nonlocal calls
        calls += 1
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xs @ w + b, y_train) + 0.5 * l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    iterations = opt.state[opt._params[0]]["n_iter"]
    with torch.no_grad():
        loss = float(torch.nn.functional.cross_entropy(xs @ w + b, y_train) + 0.5 * l2 * (w * w).sum())
        accuracy = float(((xt @ w + b).argmax(1) == y_test).float().mean())
    return calls, iterations, loss, accuracy


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder of the MNIST IDX files")
    p.add_argument("--iters", type=int, default=100)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    a = p.parse_args()
    if a.iters < 1 or a.repeats < 1:
        sys.exit(f"--iters {a.iters} --repeats {a.repeats}: expected each at least 1")
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    x_train = torch.from_numpy(read_idx(a.data, "train-images-idx3-ubyte", 2051).reshape(-1, 784).astype(np.float32) / 255.0)
    y_train = torch.from_numpy(read_idx(a.data, "train-labels-idx1-ubyte", 2049).astype(np.int64))
    x_test = torch.from_numpy(read_idx(a.data, "t10k-images-idx3-ubyte", 2051).reshape(-1, 784).astype(np.float32) / 255.0)
    y_test = torch.from_numpy(read_idx(a.data, "t10k-labels-idx1-ubyte", 2049).astype(np.int64))
    classes = int(y_train.max()) + 1

    times = []
    for _ in range(a.repeats):
        start = time.perf_counter()
        calls, iterations, loss, accuracy = fit(x_train, y_train, x_test, y_test, classes, a.iters, a.l2)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    print(
        json.dumps(
            {
                "impl": f"pytorch {torch.__version__}",
                "workload": "linear_probe",
                "threads": torch.get_num_threads(),
                "rows": x_train.shape[0],
                "dim": x_train.shape[1],
                "classes": classes,
                "fit_seconds": seconds,
                "evaluations_per_second": calls / seconds,
                "iterations": iterations,
                "evaluations": calls,
                "train_loss": loss,
                "test_accuracy": accuracy,
            }
        )
    )


if __name__ == "__main__":
    main()
