"""The CD-1 step of a Bernoulli RBM in PyTorch, timed like `whac rbm bench`.

Same step as whac-rbm's `update` with CD-1, no centring, momentum 0, weight decay 0: positive
phase P(h|v), one Gibbs sweep (h ~ P(h|v), v' ~ P(v|h)), P(h|v'), the reconstruction error, and the
gradient step on W, b, c. Float32, batch of random binary images (fraction of ones `--density`,
default 0.13 like thresholded MNIST). Prints one JSON line: steps per second (median over repeats) and the settings.

    python bench/rbm_cd1_torch.py --visible 784 --hidden 500 --batch 256 --steps 200 --repeats 5
"""

import argparse
import json
import statistics
import time

import torch


def cd1_step(w, b, c, v, lr):
    n = v.shape[0]
    ph0 = torch.sigmoid(v @ w + c)
    h0 = (torch.rand_like(ph0) < ph0).float()
    pv = torch.sigmoid(h0 @ w.T + b)
    err = ((v - pv) ** 2).mean()
    v1 = (torch.rand_like(pv) < pv).float()
    ph1 = torch.sigmoid(v1 @ w + c)
    w += (lr / n) * (v.T @ ph0 - v1.T @ ph1)
    b += lr * (v - v1).mean(0)
    c += lr * (ph0 - ph1).mean(0)
    return err


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--visible", type=int, default=784)
    p.add_argument("--hidden", type=int, default=500)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--density", type=float, default=0.13, help="fraction of ones in the images")
    p.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    w = 0.01 * torch.randn(a.visible, a.hidden, device=dev)
    b = torch.zeros(a.visible, device=dev)
    c = torch.zeros(a.hidden, device=dev)
    data = (torch.rand(8 * a.batch, a.visible, device=dev) < a.density).float()
    batches = data.split(a.batch)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    rates = []
    with torch.no_grad():
        for i in range(10):  # warm-up
            cd1_step(w, b, c, batches[i % len(batches)], 0.01)
        sync()
        for _ in range(a.repeats):
            start = time.perf_counter()
            for i in range(a.steps):
                err = cd1_step(w, b, c, batches[i % len(batches)], 0.01)
            err.item()
            sync()
            rates.append(a.steps / (time.perf_counter() - start))
    print(
        json.dumps(
            {
                "impl": f"pytorch {torch.__version__}",
                "device": a.device,
                "threads": torch.get_num_threads(),
                "visible": a.visible,
                "hidden": a.hidden,
                "batch": a.batch,
                "density": a.density,
                "steps": a.steps,
                "repeats": a.repeats,
                "steps_per_second": statistics.median(rates),
                "all_steps_per_second": rates,
            }
        )
    )


if __name__ == "__main__":
    main()
