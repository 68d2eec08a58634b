#!/usr/bin/python3
"""PyTorch side of `bench/speedrun.ts`: the Fashion-MNIST speedrun recipe written as a PyTorch user writes it.

It reads a resolved recipe (the JSON `trickbox recipe recipes/fashion-speedrun.json` prints) and trains what it says:

- the model: speednet (packages/trickbox/src/models/speednet.ts) as an nn.Module: a k x k patch-whitening stem
  convolution (no padding, bias) + activation, then per width conv3x3 -> maxpool 2 -> BN -> act -> conv3x3 -> BN ->
  act, a global max pool, a bias-free linear layer, logits times outputScale; 3x3 convolutions He-normal (fan in,
  cut at 2 std as tfjs draws it) with their first min(in, out) filters set by `nn.init.dirac_`, the head
  Xavier-uniform;
- patch whitening (docs/training-math.md, "Patch whitening"): the stem's filters are v / sqrt(lambda + eps) of the
  uncentred second moments of the k x k patches of a seeded sample of normalised training images, and their
  negations; the kernel is frozen, the bias trains for `init.whitening.biasEpochs` epochs, then `requires_grad` off;
- torch.optim.SGD with parameter groups (`optimizer.paramGroups`; first match wins, frozen = not optimised) and a
  LambdaLR for the schedule (per step; the first batch trains at schedule(0));
- F.cross_entropy with label_smoothing;
- torchvision transforms on PIL images in a Dataset and a DataLoader with `data.workers` workers; alternating flip
  (a per-image coin in epoch 0, flipped in odd epochs) gets the epoch from the sampler;
- the lookahead EMA (docs/training-math.md, "Lookahead EMA") over every float entry of the state dict (BN running
  statistics included), copied back into the model at each update and after each epoch's last step;
- evaluation after every epoch with the recipe's test-time augmentation (mean softmax over the image, its mirror
  and their shifts by k pixels with reflect padding), as trickbox's metrics.jsonl reports it.

Any recipe field it does not implement, set to anything but the value that turns it off, is refused with one line
and exit status 2, so the two sides cannot drift apart silently.

Usage:
  /usr/bin/python3 bench/speedrun_torch.py --recipe resolved.json [--threads 2] [--seed S] [--subset N] [--data DIR]
  /usr/bin/python3 bench/speedrun_torch.py --recipe resolved.json --describe   (no training; see below)
Training prints one JSON line per epoch and a final {"type": "summary", ...} line on stdout. `--describe` prints
one JSON object (the model's parameter counts and defaults, its torch parameter groups, the lr and lookahead decay at
a few steps, the whitening filters of fixed images) for the consistency test
packages/trickbox/test/bench/speedrun_torch.test.ts, whose fixture scripts/fixtures/speedrun_torch.mjs writes.
"""

import argparse
import json
import math
import os
import sys
import time
from typing import Any, Callable, Iterator

WALL_START = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision.transforms as T  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from baseline_torch import find, print_epoch, read_idx  # noqa: E402  (the IDX reader of the baseline's PyTorch side)

# speednet's defaults (packages/trickbox/src/models/speednet.ts) for the options a recipe leaves out.
SPEEDNET_DEFAULTS = {
    "widths": [64, 256, 256],
    "whiteningKernel": 2,
    "whiteningTrainable": "bias",
    "activation": "relu",
    "outputScale": 1 / 9,
    "bnMomentum": 0.4,
    "bnEpsilon": 1e-12,
    "diracInit": True,
}

# Resolved-recipe fields this script reads and implements.
IMPLEMENTED = {
    "data.dataset",
    "data.dir",
    "data.subset",
    "data.testSubset",
    "data.workers",
    "data.normalize",
    "data.normalize.mean",
    "data.normalize.std",
    "model.name",
    "model.options",
    "training.epochs",
    "training.batchSize",
    "training.seed",
    "training.evalBatchSize",
    "optimizer.name",
    "optimizer.lr",
    "optimizer.weightDecay",
    "optimizer.noBiasDecay",
    "optimizer.paramGroups",
    "optimizer.linearScalingReference",
    "optimizer.momentum",
    "optimizer.nesterov",
    "schedule.name",
    "schedule.warmupEpochs",
    "schedule.peakFraction",
    "schedule.startFactor",
    "schedule.endFactor",
    "loss.labelSmoothing",
    "augment",
    "regularization.lookahead",
    "regularization.lookahead.decay",
    "regularization.lookahead.every",
    "regularization.lookahead.power",
    "regularization.lookahead.startEpoch",
    "init.whitening",
    "init.whitening.layer",
    "init.whitening.samples",
    "init.whitening.eps",
    "init.whitening.biasEpochs",
    "evaluation.flipTta",
    "evaluation.translateTta",
} | {f"model.options.{k}" for k in SPEEDNET_DEFAULTS}

# Fields that change nothing in this training (bookkeeping, or options of a trick that is off or another
# optimizer / schedule / dataset format: each is checked to be inactive in check_recipe).
NO_EFFECT = {
    "$schema",
    "name",
    "description",
    "model.options.name",  # the tfjs model name
    "data.height",  # image folders only
    "data.width",
    "data.channels",
    "data.skipBadImages",
    "training.logEvery",
    "training.checkpointMinutes",
    "optimizer.betas",  # Adam / AdaBound only
    "optimizer.eps",
    "optimizer.finalLr",
    "optimizer.gamma",
    "schedule.warmupInit",  # only with warmupEpochs > 0, which triangular refuses
    "schedule.warmupMode",
    "schedule.minLr",  # cosine / linear
    "schedule.stepEpochs",  # step
    "schedule.milestones",  # multistep
    "schedule.gamma",  # step / multistep / exponential
    "schedule.pctStart",  # onecycle
    "schedule.divFactor",
    "schedule.finalDivFactor",
    "schedule.anneal",
    "mixing.prob",  # only with a mixer
    "mixing.alpha",
    "mixing.beta",
    "distillation.temperature",  # only with a teacher
    "distillation.alpha",
}

# Fields of tricks this script does not implement: accepted only at the value that turns the trick off.
OFF_ONLY: dict[str, Any] = {
    "data.testDir": None,
    "data.valSplit": 0,
    "training.onNaN": "stop",
    "mixing.name": "none",
    "distillation.teacher": None,
    "regularization.ema": None,
    "regularization.earlyStopping": None,
}

AUGMENTS = {"randomCrop": {"size", "padding", "fill", "padIfNeeded"}, "alternatingFlip": set()}
SELECTORS = {"bn.gamma", "bn.beta", "bn"}


class RecipeError(Exception):
    pass


def leaves(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every leaf; non-empty objects are walked, lists and null are leaves."""
    if isinstance(obj, dict) and obj:
        for k, v in obj.items():
            yield from leaves(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix, obj


def check_recipe(r: dict) -> None:
    """Raises RecipeError naming the first field this script would not train as trickbox does."""

    def refuse(field: str, value: Any, why: str) -> None:
        raise RecipeError(f"recipe field {field} = {json.dumps(value)}: {why}")

    for path, value in leaves(r):
        if path in IMPLEMENTED or path in NO_EFFECT:
            continue
        if path in OFF_ONLY:
            if value != OFF_ONLY[path]:
                refuse(path, value, f"not implemented here (accepted: {json.dumps(OFF_ONLY[path])})")
            continue
        refuse(path, value, "not implemented here")
    d, m, o, s = r["data"], r["model"], r["optimizer"], r["schedule"]
    if d["dataset"] != "fashion-mnist":
        refuse("data.dataset", d["dataset"], "only fashion-mnist is implemented")
    if m["name"] != "speednet":
        refuse("model.name", m["name"], "only speednet is implemented")
    opts = {**SPEEDNET_DEFAULTS, **m.get("options", {})}
    if opts["whiteningTrainable"] != "bias":
        refuse("model.options.whiteningTrainable", opts["whiteningTrainable"], 'only "bias" is implemented')
    if opts["activation"] not in ("relu", "gelu"):
        refuse("model.options.activation", opts["activation"], 'accepted: "relu", "gelu"')
    if o["name"] != "sgd":
        refuse("optimizer.name", o["name"], 'only "sgd" is implemented')
    if o["noBiasDecay"]:
        refuse("optimizer.noBiasDecay", True, "not implemented here")
    for i, g in enumerate(o["paramGroups"]):
        if g.get("params") not in SELECTORS:
            refuse(f"optimizer.paramGroups.{i}.params", g.get("params"), f"accepted: {sorted(SELECTORS)}")
        for k in g:
            if k not in ("params", "lrMultiplier", "weightDecay", "frozen"):
                refuse(f"optimizer.paramGroups.{i}.{k}", g[k], "not implemented here")
    if s["name"] != "triangular":
        refuse("schedule.name", s["name"], 'only "triangular" is implemented')
    if s["warmupEpochs"] != 0:
        refuse("schedule.warmupEpochs", s["warmupEpochs"], "the triangular schedule has no warmup")
    for i, a in enumerate(r["augment"]):
        if a["name"] not in AUGMENTS:
            refuse(f"augment.{i}.name", a["name"], f"accepted: {sorted(AUGMENTS)}")
        for k, v in a.get("options", {}).items():
            if k not in AUGMENTS[a["name"]]:
                refuse(f"augment.{i}.options.{k}", v, "not implemented here")
            if k == "padIfNeeded" and v:
                refuse(f"augment.{i}.options.{k}", v, "not implemented here")
    w = r["init"]["whitening"]
    if w is None:
        refuse("init.whitening", None, "speednet's stem needs the whitening here")
    if w["layer"] != "whiten":
        refuse("init.whitening.layer", w["layer"], 'only speednet\'s "whiten" is implemented')


# ---------------------------------------------------------------------------------------------------------- data


def seeded_subset(n: int, size: int, seed: int) -> np.ndarray:
    """Indices of a seeded random subset of `size` of `n`, in their original order (all when size >= n)."""
    if size <= 0 or size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


class AlternatingFlip:
    """airbench's derandomised flip: a coin per image in epoch 0, the opposite in every odd epoch."""

    def __init__(self, count: int, seed: int):
        self.first = torch.rand(count, generator=torch.Generator().manual_seed(seed)) < 0.5

    def __call__(self, img: Image.Image, epoch: int, index: int) -> Image.Image:
        flip = bool(self.first[index]) != (epoch % 2 == 1)
        return img.transpose(Image.FLIP_LEFT_RIGHT) if flip else img


class EpochSampler(torch.utils.data.Sampler):
    """A fresh shuffle each epoch, yielding (epoch, index) so that the dataset's transforms know the epoch."""

    def __init__(self, count: int, seed: int):
        self.count = count
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[int, int]]:
        g = torch.Generator().manual_seed(self.seed * 100003 + self.epoch)
        return ((self.epoch, int(i)) for i in torch.randperm(self.count, generator=g))


class FashionDataset(torch.utils.data.Dataset):
    """uint8 images as PIL, the recipe's augmentations in order, then ToTensor + Normalize."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, steps: list, normalize: T.Normalize):
        self.images = images
        self.labels = labels.astype(np.int64)
        self.steps = steps
        self.finish = T.Compose([T.ToTensor(), normalize])

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, key):
        epoch, i = key if isinstance(key, tuple) else (0, key)
        img = Image.fromarray(self.images[i], mode="L")
        for step in self.steps:
            img = step(img, epoch, i) if isinstance(step, AlternatingFlip) else step(img)
        return self.finish(img), self.labels[i]


def build_augment(recipe: dict, count: int, seed: int) -> list:
    steps: list = []
    for a in recipe["augment"]:
        o = a.get("options", {})
        if a["name"] == "randomCrop":
            steps.append(T.RandomCrop(o["size"], padding=o.get("padding", 0), fill=o.get("fill", 0)))
        else:
            steps.append(AlternatingFlip(count, seed + 1))
    return steps


# --------------------------------------------------------------------------------------------------------- model


class ConvBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, act: Callable[[], nn.Module], momentum: float, eps: float):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.bn1 = nn.BatchNorm2d(c_out, momentum=momentum, eps=eps)
        self.act1 = act()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out, momentum=momentum, eps=eps)
        self.act2 = act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.bn1(self.pool(self.conv1(x))))
        return self.act2(self.bn2(self.conv2(x)))


class SpeedNet(nn.Module):
    def __init__(self, channels: int, num_classes: int, opts: dict):
        super().__init__()
        k = opts["whiteningKernel"]
        act = nn.ReLU if opts["activation"] == "relu" else nn.GELU
        self.whiten = nn.Conv2d(channels, 2 * k * k * channels, k, padding=0, bias=True)
        self.whiten.weight.requires_grad_(False)  # set from the data, never trained
        self.act = act()
        widths = opts["widths"]
        self.blocks = nn.Sequential(
            *[
                ConvBlock(c_in, c_out, act, opts["bnMomentum"], opts["bnEpsilon"])
                for c_in, c_out in zip([2 * k * k * channels] + widths[:-1], widths)
            ]
        )
        self.head = nn.Linear(widths[-1], num_classes, bias=False)
        self.scale = opts["outputScale"]
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and m is not self.whiten:
                # He normal (fan in) as trickbox draws it: tfjs's varianceScaling 'normal' is a normal cut at
                # +-2 std without rescaling (std about 0.88 of sqrt(2 / fan_in)), not nn.init.kaiming_normal_
                std = math.sqrt(2 / nn.init._calculate_correct_fan(m.weight, "fan_in"))
                nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
                if opts["diracInit"]:
                    with torch.no_grad():
                        nn.init.dirac_(m.weight[: m.weight.size(1)])
        nn.init.xavier_uniform_(self.head.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.act(self.whiten(x)))
        return self.head(torch.amax(x, dim=(2, 3))) * self.scale


def whitening_filters(images: torch.Tensor, k: int, eps: float) -> torch.Tensor:
    """The stem kernel [2d, C, k, k] for normalised images [N, C, H, W]: v / sqrt(lambda + eps), then negated."""
    patches = F.unfold(images.double(), k).transpose(1, 2).reshape(-1, images.size(1) * k * k)
    moments = patches.T @ patches / patches.size(0)
    lam, vecs = torch.linalg.eigh(moments)
    lam, vecs = lam.flip(0), vecs.flip(1)  # largest first
    sign = torch.sign(vecs.gather(0, vecs.abs().argmax(0, keepdim=True)))
    filters = (vecs * sign).T / torch.sqrt(lam + eps)[:, None]
    filters = filters.reshape(-1, images.size(1), k, k)
    return torch.cat([filters, -filters]).float()


def make_optimizer(model: SpeedNet, o: dict, lr: float) -> torch.optim.SGD:
    """torch param groups from the recipe's: the first matching group wins; unmatched parameters: lr, weightDecay."""
    bn_gammas = {id(m.weight) for m in model.modules() if isinstance(m, nn.BatchNorm2d)}
    bn_betas = {id(m.bias) for m in model.modules() if isinstance(m, nn.BatchNorm2d)}
    match = {"bn.gamma": bn_gammas, "bn.beta": bn_betas, "bn": bn_gammas | bn_betas}
    groups: list[dict] = [{"params": [], "lr": lr, "weight_decay": o["weightDecay"]}]
    groups += [
        {"params": [], "lr": lr * g.get("lrMultiplier", 1), "weight_decay": g.get("weightDecay", o["weightDecay"])}
        for g in o["paramGroups"]
    ]
    for p in model.parameters():
        if not p.requires_grad:
            continue
        i = next((i for i, g in enumerate(o["paramGroups"]) if id(p) in match[g["params"]]), None)
        if i is not None and o["paramGroups"][i].get("frozen"):
            p.requires_grad_(False)
        else:
            groups[0 if i is None else i + 1]["params"].append(p)
    return torch.optim.SGD(
        [g for g in groups if g["params"]], lr=lr, momentum=o["momentum"], nesterov=o["nesterov"]
    )


def triangular(s: dict, total_steps: int) -> Callable[[int], float]:
    """The lr factor at step t: startFactor up to 1 at floor(peakFraction * T), down to endFactor at T."""
    peak = math.floor(s["peakFraction"] * total_steps)
    start, end = s["startFactor"], s["endFactor"]

    def factor(t: int) -> float:
        if t >= total_steps:
            return end
        if t < peak:
            return start + (1 - start) * t / peak
        return 1 + (end - 1) * (t - peak) / (total_steps - peak)

    return factor


class Lookahead:
    """EMA of every float state-dict entry, written back into the model at each update and at an epoch's end."""

    def __init__(self, model: nn.Module, opts: dict, total_steps: int):
        self.model = model
        self.opts = opts
        self.total_steps = total_steps
        self.average: dict[str, torch.Tensor] | None = None

    def decay(self, step: int) -> float:
        o = self.opts
        return o["decay"] ** o["every"] * (step / self.total_steps) ** o["power"]

    @torch.no_grad()
    def after_step(self, step: int, epoch: int, epoch_end: bool) -> None:
        """`step` counts the steps done (from 1); `epoch` is 0-based."""
        live = {k: v for k, v in self.model.state_dict().items() if v.is_floating_point()}
        if epoch >= self.opts["startEpoch"] and step % self.opts["every"] == 0:
            if self.average is None:
                self.average = {k: v.clone() for k, v in live.items()}
            else:
                rho = self.decay(step)
                for k, v in live.items():
                    self.average[k].lerp_(v, 1 - rho)
                    v.copy_(self.average[k])
        if self.average is not None and epoch_end:
            for k, v in live.items():
                v.copy_(self.average[k])


def tta_views(x: torch.Tensor, flip: bool, shift: int) -> list[torch.Tensor]:
    views = [x, x.flip(3)] if flip else [x]
    if shift <= 0:
        return views
    out = []
    h, w = x.shape[2:]
    for v in views:
        p = F.pad(v, (shift, shift, shift, shift), mode="reflect")
        # the view shifted by (dy, dx) reads the padded batch from (shift - dy, shift - dx)
        for dy, dx in ((0, 0), (shift, 0), (-shift, 0), (0, shift), (0, -shift)):
            out.append(p[:, :, shift - dy : shift - dy + h, shift - dx : shift - dx + w])
    return out


@torch.no_grad()
def evaluate(model: nn.Module, loader, flip: bool, shift: int) -> tuple[float, float]:
    """Top-1 and cross-entropy of the mean softmax over the TTA views."""
    model.eval()
    correct, loss_sum, n = 0, 0.0, 0
    for x, y in loader:
        views = tta_views(x, flip, shift)
        probs = sum(F.softmax(model(v), 1) for v in views) / len(views)
        loss_sum += -torch.log(probs.gather(1, y[:, None]).clamp_min(1e-12)).sum().item()
        correct += (probs.argmax(1) == y).sum().item()
        n += len(y)
    model.train()
    return correct / n, loss_sum / n


def synthetic_images(count: int, size: int) -> np.ndarray:
    """Deterministic uint8 images [count, size, size] for the whitening check (the test makes the same ones)."""
    n, y, x = np.meshgrid(np.arange(count), np.arange(size), np.arange(size), indexing="ij")
    return ((n * 31 + y * 7 + x * 13 + (x * y) % 11) % 256).astype(np.uint8)


def describe(recipe: dict, train_count: int) -> dict:
    """What the consistency test compares with trickbox: parameter counts, lr and lookahead decay at some steps."""
    opts = {**SPEEDNET_DEFAULTS, **recipe["model"].get("options", {})}
    torch.manual_seed(0)  # the He-filter statistics below: the same fixture on every run
    model = SpeedNet(1, 10, opts)
    o, t = recipe["optimizer"], recipe["training"]
    lr = o["lr"] * (t["batchSize"] / o["linearScalingReference"] if o["linearScalingReference"] > 0 else 1)
    opt = make_optimizer(model, o, lr)
    steps_per_epoch = math.ceil(train_count / t["batchSize"])
    total = t["epochs"] * steps_per_epoch
    factor = triangular(recipe["schedule"], total)
    at = sorted({0, 1, total // 4, math.floor(recipe["schedule"]["peakFraction"] * total), total // 2, total - 1})
    la = recipe["regularization"]["lookahead"]
    look = Lookahead(model, la, total) if la else None
    last = model.blocks[-1].conv1.weight  # its filters from in_channels on are He-drawn, not Dirac
    he = last[last.size(1) :] / math.sqrt(2 / (9 * last.size(1)))
    images = synthetic_images(3, 8)
    plain = T.Normalize([0.5], [0.25])(torch.from_numpy(images).float()[:, None] / 255)
    kernel = whitening_filters(plain, opts["whiteningKernel"], recipe["init"]["whitening"]["eps"])
    return {
        "type": "describe",
        "trainCount": train_count,
        "modelOptions": opts,
        "stepsPerEpoch": steps_per_epoch,
        "totalSteps": total,
        "parameters": sum(p.numel() for p in model.parameters()),
        "optimizedParameters": sum(p.numel() for g in opt.param_groups for p in g["params"]),
        "floatBuffers": sum(b.numel() for b in model.buffers() if b.is_floating_point()),
        "groups": [
            {"lr": g["lr"], "weightDecay": g["weight_decay"], "size": sum(p.numel() for p in g["params"])}
            for g in opt.param_groups
        ],
        "lr": [[s, lr * factor(s)] for s in at],
        "lookaheadDecay": [[s, look.decay(s)] for s in sorted({la["every"], total // 2, total})] if look else [],
        "heInit": {"stdOverHe": he.pow(2).mean().sqrt().item(), "maxOverHe": he.abs().max().item()},
        "whitening": {"count": 3, "size": 8, "mean": 0.5, "std": 0.25, "kernel": kernel.tolist()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recipe", required=True, help="a resolved recipe (trickbox recipe <file> > resolved.json)")
    ap.add_argument("--data", default=None, help="IDX directory (default: data.dir, else Debian's)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=None, help="default: training.seed")
    ap.add_argument("--subset", type=int, default=None, help="train on N images (default: data.subset)")
    ap.add_argument("--describe", action="store_true", help="print the consistency-test numbers and exit")
    args = ap.parse_args()

    with open(args.recipe) as f:
        recipe = json.load(f)
    try:
        check_recipe(recipe)
    except RecipeError as e:
        print(f"speedrun_torch.py: {args.recipe}: {e}", file=sys.stderr)
        sys.exit(2)
    d, t, o = recipe["data"], recipe["training"], recipe["optimizer"]
    seed = t["seed"] if args.seed is None else args.seed
    subset = d["subset"] if args.subset is None else args.subset
    data_dir = args.data or d.get("dir") or "/usr/share/datasets/fashion-mnist"

    train_x = read_idx(find(data_dir, "train-images-idx3-ubyte"))
    train_y = read_idx(find(data_dir, "train-labels-idx1-ubyte"))
    keep = seeded_subset(len(train_y), subset, seed)
    train_x, train_y = train_x[keep], train_y[keep]
    if args.describe:
        print(json.dumps(describe(recipe, len(train_y))))
        return

    torch.manual_seed(seed)
    torch.set_num_threads(args.threads)
    test_x = read_idx(find(data_dir, "t10k-images-idx3-ubyte"))
    test_y = read_idx(find(data_dir, "t10k-labels-idx1-ubyte"))
    tkeep = seeded_subset(len(test_y), d["testSubset"], seed + 2)
    test_x, test_y = test_x[tkeep], test_y[tkeep]
    if d["normalize"] == "dataset":
        mean, std = [float(train_x.mean()) / 255], [float(train_x.std()) / 255]
    else:
        mean, std = d["normalize"]["mean"], d["normalize"]["std"]
    normalize = T.Normalize(mean, std)

    batch = t["batchSize"]
    sampler = EpochSampler(len(train_y), seed)
    train_set = FashionDataset(train_x, train_y, build_augment(recipe, len(train_y), seed), normalize)
    train_loader = torch.utils.data.DataLoader(
        train_set,
        batch_size=batch,
        sampler=sampler,
        num_workers=d["workers"],
        persistent_workers=d["workers"] > 0,
    )
    test_loader = torch.utils.data.DataLoader(
        FashionDataset(test_x, test_y, [], normalize), batch_size=t["evalBatchSize"], num_workers=0
    )

    opts = {**SPEEDNET_DEFAULTS, **recipe["model"].get("options", {})}
    model = SpeedNet(1, 10, opts)
    w = recipe["init"]["whitening"]
    sample = seeded_subset(len(train_y), w["samples"], seed + 1)
    plain = torch.stack([train_set.finish(Image.fromarray(train_x[i], mode="L")) for i in sample])
    with torch.no_grad():
        model.whiten.weight.copy_(whitening_filters(plain, opts["whiteningKernel"], w["eps"]))
        model.whiten.bias.zero_()
    if w["biasEpochs"] == 0:
        model.whiten.bias.requires_grad_(False)

    lr = o["lr"] * (batch / o["linearScalingReference"] if o["linearScalingReference"] > 0 else 1)
    opt = make_optimizer(model, o, lr)
    steps_per_epoch = len(train_loader)
    total_steps = t["epochs"] * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, triangular(recipe["schedule"], total_steps))
    la = recipe["regularization"]["lookahead"]
    lookahead = Lookahead(model, la, total_steps) if la else None
    ev = recipe["evaluation"]
    smoothing = recipe["loss"]["labelSmoothing"]

    step = 0
    top1 = 0.0
    train_total = 0.0
    model.train()
    for epoch in range(t["epochs"]):
        t0 = time.perf_counter()
        sampler.set_epoch(epoch)
        loss_sum, correct, n = 0.0, 0, 0
        for b, (x, y) in enumerate(train_loader):
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=smoothing)
            if not torch.isfinite(loss):
                raise SystemExit(f"speedrun_torch.py: loss {loss.item()} at step {step} (lr {sched.get_last_lr()})")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if lookahead:
                lookahead.after_step(step, epoch, b == steps_per_epoch - 1)
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
        if w["biasEpochs"] is not None and epoch + 1 >= w["biasEpochs"]:
            model.whiten.bias.requires_grad_(False)
        train_seconds = time.perf_counter() - t0
        train_total += train_seconds
        top1, test_loss = evaluate(model, test_loader, ev["flipTta"], ev["translateTta"])
        print_epoch(epoch + 1, step, loss_sum, correct, n, top1, test_loss, train_seconds, t0, WALL_START)
    print(
        json.dumps(
            {
                "type": "summary",
                "torch": torch.__version__,
                "threads": args.threads,
                "workers": d["workers"],
                "epochs": t["epochs"],
                "trainCount": len(train_y),
                "seed": seed,
                "testTop1": top1,
                "trainSeconds": train_total,
                "wallSeconds": time.perf_counter() - WALL_START,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
