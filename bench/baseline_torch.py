#!/usr/bin/python3
"""PyTorch side of `bench/baseline.ts`: the ResNet-20 Fashion-MNIST baseline recipe trained with PyTorch.

Recipe (recipes/fashion-resnet20-baseline.json, the peer of issue 5): CIFAR ResNet-20 (He et al. 2016,
arXiv:1512.03385 §4.2, option-A shortcuts; the model class is shared with bench/backend_torch.py), batch 128,
SGD momentum 0.9 with Nesterov, lr 0.1, weight decay 5e-4 on every parameter, a linear warmup from 0 over the first
epoch then cosine decay to 0 (Loshchilov & Hutter 2017, arXiv:1608.03983; per iteration, Bag of Tricks eq. 3),
random crop 28 with zero padding 2 and horizontal flip (torchvision transforms on PIL images, as a PyTorch user
writes it), inputs normalised by the training set's mean and std, 10 epochs, evaluation on the test set each epoch.

The data is read from the IDX files of Debian's `dataset-fashion-mnist` (no download). One DataLoader worker, as in
the trickbox recipe. Wall time is measured from before reading the data to after the last evaluation.

Usage: /usr/bin/python3 bench/baseline_torch.py [--epochs 10] [--threads 2] [--subset N] [--seed 0]
Prints one JSON line per epoch and a final JSON line {"type": "summary", ...} on stdout.
"""

import argparse
import gzip
import json
import math
import os
import sys
import time

WALL_START = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision.transforms as T  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backend_torch import ResNetCifar  # noqa: E402


def read_idx(path: str) -> np.ndarray:
    """IDX file (LeCun's MNIST format), gzip or raw: big-endian magic (0, 0, type 0x08 = uint8, ndim), dims, data."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an IDX uint8 file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def find(dir_: str, stem: str) -> str:
    for name in (stem + ".gz", stem):
        p = os.path.join(dir_, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{dir_}: no {stem}[.gz] (install Debian's dataset-fashion-mnist)")


class ImagesDataset(torch.utils.data.Dataset):
    def __init__(self, images: np.ndarray, labels: np.ndarray, transform):
        self.images = images
        self.labels = labels.astype(np.int64)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i], mode="L")), self.labels[i]


def lr_at(step: int, base_lr: float, warmup_steps: int, total_steps: int) -> float:
    """Linear warmup from 0 (Goyal et al. 2017 §2.2), then cosine to 0 over the rest (Bag of Tricks eq. 3)."""
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    t = step - warmup_steps
    return 0.5 * base_lr * (1 + math.cos(math.pi * t / (total_steps - warmup_steps)))


def evaluate(model, loader):
    model.eval()
    correct = 0
    loss_sum = 0.0
    n = 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
    model.train()
    return correct / n, loss_sum / n


def print_epoch(epoch, step, loss_sum, correct, n, top1, test_loss, train_seconds, t0, wall_start) -> None:
    """One epoch line of metrics.jsonl's shape, as bench/baseline.ts and bench/speedrun.ts read it."""
    now = time.perf_counter()
    line = {
        "type": "epoch",
        "epoch": epoch,
        "step": step,
        "trainLoss": loss_sum / n,
        "trainAccuracy": correct / n,
        "testTop1": top1,
        "testLoss": test_loss,
        "trainSeconds": train_seconds,
        "epochSeconds": now - t0,
        "wallSeconds": now - wall_start,
    }
    print(json.dumps(line), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--warmup-epochs", type=float, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--subset", type=int, default=0, help="train on the first N images only (smoke tests)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x = read_idx(find(args.data, "train-images-idx3-ubyte"))
    train_y = read_idx(find(args.data, "train-labels-idx1-ubyte"))
    test_x = read_idx(find(args.data, "t10k-images-idx3-ubyte"))
    test_y = read_idx(find(args.data, "t10k-labels-idx1-ubyte"))
    if args.subset > 0:
        train_x, train_y = train_x[: args.subset], train_y[: args.subset]
    mean = float(train_x.mean()) / 255
    std = float(train_x.std()) / 255
    normalize = [T.ToTensor(), T.Normalize((mean,), (std,))]
    train_tf = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip()] + normalize)
    train_loader = torch.utils.data.DataLoader(
        ImagesDataset(train_x, train_y, train_tf),
        batch_size=args.batch,
        shuffle=True,
        num_workers=args.workers,
        persistent_workers=args.workers > 0,
    )
    test_loader = torch.utils.data.DataLoader(
        ImagesDataset(test_x, test_y, T.Compose(normalize)), batch_size=500, num_workers=0
    )

    model = ResNetCifar(20, 1, 10, "A")
    opt = torch.optim.SGD(
        model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay
    )
    steps_per_epoch = len(train_loader)
    total_steps = args.epochs * steps_per_epoch
    warmup_steps = round(args.warmup_epochs * steps_per_epoch)
    step = 0
    model.train()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        loss_sum, correct, n = 0.0, 0, 0
        for x, y in train_loader:
            for g in opt.param_groups:
                g["lr"] = lr_at(step, args.lr, warmup_steps, total_steps)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
        train_seconds = time.perf_counter() - t0
        top1, test_loss = evaluate(model, test_loader)
        print_epoch(epoch, step, loss_sum, correct, n, top1, test_loss, train_seconds, t0, WALL_START)
    print(
        json.dumps(
            {
                "type": "summary",
                "torch": torch.__version__,
                "threads": args.threads,
                "workers": args.workers,
                "epochs": args.epochs,
                "testTop1": top1,
                "wallSeconds": time.perf_counter() - WALL_START,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
