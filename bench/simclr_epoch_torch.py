"""End to end in PyTorch: one epoch of SimCLR on MNIST with whac's MNIST recipe, timed like
`whac train --config configs/mnist.toml --set objective.kind="nt_xent"` (issue 7).

Same work as whac: two augmented views per training image (torchvision v2, per sample, in
DataLoader workers: random resized crop scale 0.5-1 ratio 3/4-4/3, rotation ±15°, translation
±10 %, elastic alpha 34 sigma 4 with p 0.5, brightness/contrast jitter 0.4 with p 0.8), pixels
standardised with the training mean and std, the small CNN + projection head of
bench/train_step_torch.py, NT-Xent at temperature 0.2, Adam (lr 1e-3, eps 1e-8), batch 256, the
last partial batch dropped. Afterwards the kNN accuracy (k = 200, weights exp(s / 0.1), cosine)
of the frozen 256-d representation on the test set, as whac reports it, so that speed is compared
at equal accuracy.

Prints one JSON line: wall seconds of the epoch, views per second, kNN accuracy.

    python bench/simclr_epoch_torch.py --data ../shared/data/mnist --workers 2 --threads 2
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from augment_torchvision import read_idx_images  # noqa: E402
from train_step_torch import network, nt_xent  # noqa: E402


def read_split(directory, split):
    """Images [n, 28, 28] uint8 and labels [n] of `split` ("train" or "t10k")."""
    import gzip

    import numpy as np

    if split == "train":
        images = read_idx_images(directory)
    else:
        images = None
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                opener = gzip.open if name.endswith(".gz") else open
                with opener(path, "rb") as f:
                    data = f.read()
                images = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 28, 28)
        if images is None:
            sys.exit(f"{directory}: t10k-images-idx3-ubyte[.gz] not found")
    for name in (f"{split}-labels-idx1-ubyte.gz", f"{split}-labels-idx1-ubyte"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
            return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype("int64"))
    sys.exit(f"{directory}: {split}-labels-idx1-ubyte[.gz] not found")


def recipe():
    """configs/mnist.toml's generator."""
    return v2.Compose([
        v2.RandomResizedCrop(28, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), antialias=True),
        v2.RandomAffine(degrees=15, translate=(0.1, 0.1)),
        v2.RandomApply([v2.ElasticTransform(alpha=34.0, sigma=4.0)], p=0.5),
        v2.RandomApply([v2.ColorJitter(brightness=0.4, contrast=0.4)], p=0.8),
    ])


class TwoViews(Dataset):
    def __init__(self, images, mean, std):
        self.images = images.unsqueeze(1).float() / 255.0  # [n, 1, 28, 28]
        self.t = recipe()
        self.mean, self.std = mean, std

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = self.images[i]
        return (self.t(x) - self.mean) / self.std, (self.t(x) - self.mean) / self.std


def knn_accuracy(train, train_labels, test, test_labels, k=200, temperature=0.1, classes=10):
    train, test = F.normalize(train, dim=1), F.normalize(test, dim=1)
    correct = 0
    for start in range(0, len(test), 512):
        sims = test[start:start + 512] @ train.T
        top, idx = sims.topk(k, dim=1)
        votes = torch.zeros(len(top), classes).scatter_add_(1, train_labels[idx], (top / temperature).exp())
        correct += (votes.argmax(1) == test_labels[start:start + 512]).sum().item()
    return correct / len(test)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="folder of the MNIST IDX files")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: the epoch)")
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads of the trainer")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    images, labels = read_split(a.data, "train")
    test_images, test_labels = read_split(a.data, "t10k")
    mean = images.float().mean() / 255.0
    std = images.float().std() / 255.0
    loader = DataLoader(
        TwoViews(images, mean, std), batch_size=a.batch, shuffle=True, drop_last=True,
        num_workers=a.workers, persistent_workers=False,
    )
    model = network()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    start = time.perf_counter()
    steps = 0
    for x1, x2 in loader:
        opt.zero_grad(set_to_none=True)
        loss = nt_xent(model(torch.cat([x1, x2])), len(x1), 0.2)
        loss.backward()
        opt.step()
        steps += 1
        if a.steps and steps >= a.steps:
            break
    seconds = time.perf_counter() - start
    views = 2 * a.batch * steps

    encoder = model[0].eval()
    with torch.no_grad():
        def embed(x):
            x = (x.unsqueeze(1).float() / 255.0 - mean) / std
            return torch.cat([encoder(c) for c in x.split(1024)])
        accuracy = knn_accuracy(embed(images), labels, embed(test_images), test_labels)
    print(json.dumps({
        "impl": f"pytorch {torch.__version__}",
        "workload": "simclr_epoch",
        "threads": a.threads,
        "workers": a.workers,
        "steps": steps,
        "train_seconds": seconds,
        "views_per_second": views / seconds,
        "knn_accuracy": accuracy,
        "final_loss": loss.item(),
    }))


if __name__ == "__main__":
    main()
