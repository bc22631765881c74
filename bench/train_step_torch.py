"""One training step of whac's MNIST recipe in PyTorch, timed like `whac bench train-step`.

The same work as crates/whac/src/bench.rs: the small CNN (conv 1→32 3×3 "same", ReLU, max-pool 2,
conv 32→64 3×3 "same", ReLU, max-pool 2, linear 3136→256, ReLU), the projection head 256→256→ReLU→128,
cosine similarity at temperature 0.2, NT-Xent over 2 × batch views, Adam (lr 1e-3, eps 1e-8), on a
fixed batch of random 28×28 images. Prints one JSON line with the median steps per second.

    python bench/train_step_torch.py --batch 256 --steps 20 --repeats 3 --threads 2
"""

import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def network():
    encoder = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(),
    )
    head = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 128))
    return nn.Sequential(encoder, head)


def nt_xent(z, batch, temperature):
    z = F.normalize(z, dim=1)
    scores = z @ z.T / temperature
    scores.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(batch, 2 * batch), torch.arange(batch)]).to(z.device)
    return F.cross_entropy(scores, target)


def step_flops(views):
    """The same count as whac's `cnn_step_flops`."""
    conv = lambda side, cin, cout: 2.0 * side * side * cin * cout * 9
    linear = lambda i, o: 2.0 * i * o
    conv1 = conv(28, 1, 32)
    rest = conv(14, 32, 64) + linear(3136, 256) + linear(256, 256) + linear(256, 128)
    return ((conv1 + rest) + 2.0 * rest + conv1) * views


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    model = network().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    views = 2 * a.batch
    images = torch.rand(views, 1, 28, 28, device=dev)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = nt_xent(model(images), a.batch, 0.2)
        loss.backward()
        opt.step()
        return loss.item()

    first_loss = step()
    for _ in range(max(a.warmup, 1) - 1):
        step()
    rates = []
    for _ in range(max(a.repeats, 1)):
        sync()
        start = time.perf_counter()
        for _ in range(a.steps):
            step()
        sync()
        rates.append(a.steps / (time.perf_counter() - start))
    rate = statistics.median(rates)
    gflop = step_flops(views) / 1e9
    print(json.dumps({
        "impl": f"pytorch {torch.__version__}",
        "workload": "train_step",
        "device": a.device,
        "threads": torch.get_num_threads(),
        "batch": a.batch,
        "views": views,
        "steps": a.steps,
        "steps_per_second": rate,
        "all_steps_per_second": rates,
        "gflop_per_step": gflop,
        "gflop_per_second": gflop * rate,
        "first_loss": first_loss,
    }))


if __name__ == "__main__":
    main()
