#!/usr/bin/python3
"""torchvision side of bench/augment.ts: the same augmentation pipelines with PIL images, one thread.

Usage: /usr/bin/python3 bench/augment_torchvision.py --images N --repeats R [--only name,name]
Prints one JSON object: {"torchvision": version, "results": {name: {"median": img/s, "runs": [...]}}}.
"""
import argparse
import json
import time

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.247, 0.2435, 0.2616)


def pipelines():
    return {
        # crop(pad 4) + flip + AutoAugment(CIFAR-10) + Random Erasing + normalise, as a CIFAR training loader does
        "cifar_full": (32, T.Compose([
            T.RandomCrop(32, padding=4),
            T.RandomHorizontalFlip(),
            T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
            T.ToTensor(),
            T.Normalize(CIFAR_MEAN, CIFAR_STD),
            T.RandomErasing(),
        ])),
        "crop_flip": (32, T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])),
        "randaugment": (32, T.RandAugment()),
        "trivialaugment": (32, T.TrivialAugmentWide()),
        "imagenet_rrc_flip_aa": (224, T.Compose([
            T.RandomResizedCrop(224),
            T.RandomHorizontalFlip(),
            T.AutoAugment(T.AutoAugmentPolicy.IMAGENET),
        ])),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    only = set(filter(None, args.only.split(",")))
    results = {}
    for name, (size, tf) in pipelines().items():
        if only and name not in only:
            continue
        n = args.images if size == 32 else max(20, args.images // 40)
        pool = [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(64)]
        for i in range(min(n, 200)):  # warm-up
            tf(pool[i % len(pool)])
        runs, wall = [], []
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(n):
                tf(pool[i % len(pool)])
            runs.append(n / (time.process_time() - c0))  # images per CPU-second (all threads of the process)
            wall.append(n / (time.perf_counter() - t0))
        results[name] = {"median": float(np.median(runs)), "runs": runs, "wallMedian": float(np.median(wall)),
                         "images": n}
    print(json.dumps({"torchvision": torchvision.__version__, "torch": torch.__version__, "threads": 1,
                      "results": results}))


if __name__ == "__main__":
    main()
