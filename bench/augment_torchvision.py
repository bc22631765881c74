#!/usr/bin/env python3
"""The torchvision side of the augmentation benchmark (issue 3): the MNIST pipeline with
torchvision v2 transforms applied per sample, on the same IDX images `whac bench augment` reads.

Prints one JSON line with `images_per_second` (one copy per image, every copy materialised).
Needs torch, torchvision and numpy; `bench/augment.sh` runs it beside the Rust side.
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision
from torchvision.transforms import v2


def read_idx_images(directory):
    """The training images of an MNIST-style folder as a uint8 array [n, 28, 28]."""
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            magic, n, rows, cols = np.frombuffer(data, dtype=">u4", count=4)
            if magic != 2051:
                sys.exit(f"{path}: magic number is {magic}, expected 2051")
            images = np.frombuffer(data, dtype=np.uint8, offset=16)
            if images.size != n * rows * cols:
                sys.exit(f"{path}: truncated: expected {n * rows * cols} pixels, found {images.size}")
            return images.reshape(n, rows, cols)
    sys.exit(f"{directory}: train-images-idx3-ubyte[.gz] not found")


def pipeline(size):
    """Random resized crop to `size` (scale 0.4-1, ratio 3/4-4/3), affine (±15°, translate ±0.1),
    elastic (alpha 20, sigma 4) with p = 0.3, brightness/contrast jitter 0.4 with p = 0.8,
    output float32 in [0, 1]."""
    return v2.Compose(
        [
            v2.RandomResizedCrop(size, scale=(0.4, 1.0), ratio=(3 / 4, 4 / 3), antialias=True),
            v2.RandomAffine(degrees=15, translate=(0.1, 0.1)),
            v2.RandomApply([v2.ElasticTransform(alpha=20.0, sigma=4.0)], p=0.3),
            v2.RandomApply([v2.ColorJitter(brightness=0.4, contrast=0.4)], p=0.8),
            v2.ToDtype(torch.float32, scale=True),
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder of the MNIST IDX files")
    parser.add_argument("--images", type=int, default=5000, help="images to transform (cycling)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument(
        "--input",
        choices=["uint8", "float32"],
        default="float32",
        help="dtype the transforms see (default float32, converted once before timing: faster here than uint8)",
    )
    args = parser.parse_args()
    if args.images < 1:
        sys.exit(f"--images {args.images}: expected at least 1")
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    images = torch.from_numpy(read_idx_images(args.data).copy()).unsqueeze(1)  # [n, 1, 28, 28]
    if args.input == "float32":
        images = images.to(torch.float32) / 255.0
    n = images.shape[0]
    t = pipeline(images.shape[-1])
    torch.manual_seed(0)

    warmup = min(100, args.images)
    for i in range(warmup):
        t(v2.functional.to_image(images[i % n]))
    out = None
    start = time.perf_counter()
    for i in range(args.images):
        out = t(v2.functional.to_image(images[i % n]))
    seconds = time.perf_counter() - start
    assert out.dtype == torch.float32 and 0.0 <= float(out.min()) and float(out.max()) <= 1.0

    print(
        json.dumps(
            {
                "tool": "torchvision",
                "torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "input": args.input,
                "images": args.images,
                "seconds": seconds,
                "images_per_second": args.images / seconds,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
