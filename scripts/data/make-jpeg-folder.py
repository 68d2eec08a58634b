#!/usr/bin/python3
"""A folder of real JPEG photos-to-be for the streaming-loader benchmark (bench/folder_loader.ts): Fashion-MNIST
training images upscaled (bicubic) to a random 300-500 px side each, coloured with a per-image two-colour gradient
map, with a little sensor-like noise, saved as JPEG quality 90 in torchvision's ImageFolder layout
(OUT/<class>/<index>.jpg). Deterministic (seeded). Not committed: the files are made where they are needed.

Usage: /usr/bin/python3 scripts/data/make-jpeg-folder.py OUT [--count 3000] [--seed 0]
       [--idx /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz]
"""
import argparse
import gzip
import os

import numpy as np
from PIL import Image

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, h, w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--idx", default="/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
    args = ap.parse_args()
    images = read_idx(args.idx)
    lbl_path = args.idx.replace("images-idx3-ubyte", "labels-idx1-ubyte")
    with gzip.open(lbl_path, "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    rng = np.random.default_rng(args.seed)
    for c in CLASSES:
        os.makedirs(os.path.join(args.out, c), exist_ok=True)
    for i in range(args.count):
        w, h = (int(v) for v in rng.integers(300, 501, 2))
        gray = np.asarray(Image.fromarray(images[i]).resize((w, h), Image.BICUBIC), np.float32) / 255.0
        lo, hi = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        rgb = lo + gray[..., None] * (hi - lo) + rng.normal(0, 6, (h, w, 3))
        img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
        img.save(os.path.join(args.out, CLASSES[labels[i]], f"{i:05d}.jpg"), quality=90)
    print(f"wrote {args.count} JPEGs to {args.out}")


if __name__ == "__main__":
    main()
