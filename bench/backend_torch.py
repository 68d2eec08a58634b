#!/usr/bin/python3
"""PyTorch side of `bench/backend.ts`: CIFAR-style ResNet-20 training and inference throughput.

The model is the CIFAR ResNet of He et al. 2016, "Deep Residual Learning for Image Recognition" (arXiv:1512.03385),
§4.2: a 3x3 conv with 16 filters, then 3 stages of n = 3 basic blocks with 16/32/64 filters (depth 6n + 2 = 20),
global average pooling and a fully-connected layer. Shortcuts: option A (identity; on downsampling, stride-2
subsampling and zero-padded channels) or option B (1x1 conv + BN projection on downsampling), paper §3.3.
It is built exactly like the tfjs models of backend.ts so the comparison is like for like.

Timing: batch of random inputs and labels (fixed, generated once), SGD momentum 0.9, lr 0.1, weight decay 5e-4,
softmax cross-entropy; `warmup` untimed steps then `steps` timed steps, median reported. With --serve, the steps are
driven one at a time by bench/backend.ts (JSON commands on stdin), interleaved with the tfjs contenders. Inference is the model in
eval mode under `torch.no_grad()`. Both NCHW (PyTorch's default) and channels_last memory formats.

Usage: /usr/bin/python3 bench/backend_torch.py --shapes 1x28x28,3x32x32 --steps 10 --warmup 3 --threads 2
Prints one JSON object on stdout.
"""

import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with a shortcut (He et al. 2016, Fig. 2 / §4.2)."""

    def __init__(self, cin: int, cout: int, stride: int, shortcut: str):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut_kind = shortcut
        self.downsample = stride != 1 or cin != cout
        self.pad = (cout - cin) // 2
        if self.downsample and shortcut == "B":
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if not self.downsample:
            sc = x
        elif self.shortcut_kind == "B":
            sc = self.proj(x)
        else:
            # Option A (paper §3.3): subsample by 2, zero-pad the new channels on both sides.
            sc = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + sc)


class ResNetCifar(nn.Module):
    """CIFAR ResNet with depth 6n + 2 (He et al. 2016, §4.2)."""

    def __init__(self, depth: int, in_channels: int, num_classes: int, shortcut: str):
        super().__init__()
        assert (depth - 2) % 6 == 0, f"ResNetCifar: depth must be 6n+2, got {depth}"
        n = (depth - 2) // 6
        self.conv = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks = []
        cin = 16
        for stage, cout in enumerate((16, 32, 64)):
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(cin, cout, stride, shortcut))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                # He et al. 2015 (arXiv:1502.01852) fan-out normal init, as torchvision's ResNet.
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.blocks(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def time_steps(fn, warmup: int, steps: int):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return times


class Lane:
    """One (input shape, memory format): model, fixed batch, optimizer, and the step functions."""

    def __init__(self, shape, layout, args):
        c, h, w = shape
        self.shape, self.layout, self.args = f"{c}x{h}x{w}", layout, args
        torch.manual_seed(0)
        model = ResNetCifar(args.depth, c, args.classes, args.shortcut)
        self.params = sum(p.numel() for p in model.parameters())
        fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
        self.model = model.to(memory_format=fmt)
        self.x = torch.randn(args.batch, c, h, w).contiguous(memory_format=fmt)
        self.y = torch.randint(0, args.classes, (args.batch,))
        # SGD with momentum (Sutskever et al. 2013) as torch.optim.SGD: buf = m*buf + (g + wd*p); p -= lr*buf.
        self.opt = torch.optim.SGD(
            self.model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay
        )
        self.train_ms, self.infer_ms = [], []

    def train_step(self):
        self.model.train()
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def infer_step(self):
        self.model.eval()
        with torch.no_grad():
            return self.model(self.x).sum().item()

    def timed(self, fn, out, untimed=False):
        t0 = time.perf_counter()
        fn()
        ms = (time.perf_counter() - t0) * 1000.0
        if not untimed:
            out.append(ms)
        return ms

    def result(self):
        b = self.args.batch
        r = {"layout": self.layout, "shape": self.shape, "params": self.params,
             "trainMs": self.train_ms, "inferMs": self.infer_ms}
        if self.train_ms:
            tm = statistics.median(self.train_ms)
            r.update(trainMedianMs=tm, trainImgPerSec=b * 1000.0 / tm,
                     trainBestImgPerSec=b * 1000.0 / min(self.train_ms))
        if self.infer_ms:
            im = statistics.median(self.infer_ms)
            r.update(inferMedianMs=im, inferImgPerSec=b * 1000.0 / im,
                     inferBestImgPerSec=b * 1000.0 / min(self.infer_ms))
        return r


def summary(lanes, args):
    return {
        "torch": torch.__version__,
        "onednn": torch.backends.mkldnn.is_available(),
        "threads": torch.get_num_threads(),
        "shortcut": args.shortcut,
        "results": [lane.result() for lane in lanes],
    }


def serve(lanes, args):
    """Answers one-line JSON commands from bench/backend.ts so PyTorch's steps interleave with the tfjs contenders'."""
    mark = "@@bench "
    by_key = {f"{lane.shape}/{lane.layout}": lane for lane in lanes}

    def say(obj):
        sys.stdout.write(mark + json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        cmd = json.loads(line)
        kind = cmd.get("cmd")
        try:
            if kind == "open":
                for lane in lanes:  # warm-up of both step kinds
                    for _ in range(max(args.warmup, 1)):
                        lane.train_step()
                    for _ in range(max(args.warmup, 1)):
                        lane.infer_step()
                say({"keys": list(by_key), "params": {k: v.params for k, v in by_key.items()}})
            elif kind == "train":
                lane = by_key[cmd["key"]]
                say({"ms": lane.timed(lane.train_step, lane.train_ms, cmd.get("untimed", False))})
            elif kind == "infer":
                lane = by_key[cmd["key"]]
                say({"ms": lane.timed(lane.infer_step, lane.infer_ms, cmd.get("untimed", False))})
            elif kind == "finish":
                say(summary(lanes, args))
                return
            else:
                say({"error": f"unknown command {kind!r}"})
        except Exception as e:  # reported to the parent, which marks the lane as failed
            say({"error": f"{type(e).__name__}: {e}"})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shapes", default="1x28x28,3x32x32", help="comma-separated CxHxW input shapes")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--shortcut", choices=("A", "B"), default="A")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--layouts", default="nchw,channels_last")
    p.add_argument("--serve", action="store_true", help="answer step commands on stdin (used by bench/backend.ts)")
    args = p.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.threads < 1:
        sys.exit(f"backend_torch.py: --steps must be >= 1, --warmup >= 0, --threads >= 1 (got {args})")
    torch.set_num_threads(args.threads)
    lanes = []
    for s in args.shapes.split(","):
        shape = tuple(int(v) for v in s.lower().split("x"))
        if len(shape) != 3:
            sys.exit(f"backend_torch.py: --shapes entries are CxHxW, got '{s}'")
        for layout in args.layouts.split(","):
            lanes.append(Lane(shape, layout, args))
    if args.serve:
        serve(lanes, args)
        return
    for lane in lanes:
        lane.train_ms = time_steps(lane.train_step, args.warmup, args.steps)
        lane.infer_ms = time_steps(lane.infer_step, args.warmup, args.steps)
        print(f"torch {lane.layout} {lane.shape}: done", file=sys.stderr, flush=True)
    print(json.dumps(summary(lanes, args)))


if __name__ == "__main__":
    main()
