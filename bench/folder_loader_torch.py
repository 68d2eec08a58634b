#!/usr/bin/python3
"""torchvision side of bench/folder_loader.ts: ImageFolder + DataLoader over a folder of JPEGs, one epoch.

decode (PIL) + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize(ImageNet), shuffled, batch B,
num_workers W, torch.set_num_threads(1) in the main process (the workers are single-threaded by default).
Usage: /usr/bin/python3 bench/folder_loader_torch.py DIR --workers W --batch B [--limit N]
Prints one JSON line: images, seconds (wall, first batch to last), imagesPerSec, cpuSeconds (main + workers),
peakRssBytes (main + workers, sampled every 50 ms).
"""
import argparse
import json
import resource
import threading
import time

import psutil
import torch
import torchvision
import torchvision.transforms as T

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    torch.set_num_threads(1)
    tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
    ds = torchvision.datasets.ImageFolder(args.dir, transform=tf)
    loader = torch.utils.data.DataLoader(ds, batch_size=args.batch, shuffle=True, num_workers=args.workers)
    me = psutil.Process()
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                rss = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    n = 0
    check = 0.0
    for x, y in loader:
        n += x.shape[0]
        check += float(x[0, 0, 0, 0])
    seconds = time.perf_counter() - t0
    del loader  # joins the workers, so RUSAGE_CHILDREN has their CPU time
    time.sleep(0.2)
    done.set()
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime) + ch.ru_utime + ch.ru_stime
    print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__, "images": n,
                      "seconds": seconds, "imagesPerSec": n / seconds, "cpuSeconds": cpu, "peakRssBytes": peak[0],
                      "workers": args.workers, "batch": args.batch, "check": check}))


if __name__ == "__main__":
    main()
