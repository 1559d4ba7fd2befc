"""PyTorch side of `npm run bench`: reads one JSON request per line on stdin, runs that workload,
and answers one JSON line. The nabla bench alternates its own rows with these, in one run."""
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def best_time(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def sgemm(req):
    n, trans_a = req["n"], req["transA"]
    torch.set_num_threads(req["threads"])
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    if trans_a:
        a = a.t()  # a transposed view: the TN product
    repeat = max(3, min(50, int(2e9 / (2 * n**3))))
    seconds = best_time(lambda: torch.mm(a, b), repeat)
    return {"gflops": 2 * n**3 / seconds / 1e9}


def conv(req):
    torch.set_num_threads(req["threads"])
    n, cin, cout, h, k, pad = req["batch"], req["cin"], req["cout"], req["size"], req["k"], req["pad"]
    x = torch.randn(n, cin, h, h, requires_grad=True)
    layer = nn.Conv2d(cin, cout, k, padding=pad)
    with torch.no_grad():
        fwd = best_time(lambda: layer(x), req.get("repeat", 10))

    def fwd_bwd():
        layer.zero_grad()
        x.grad = None
        layer(x).sum().backward()

    both = best_time(fwd_bwd, req.get("repeat", 10))
    return {"fwdMs": fwd * 1e3, "fwdBwdMs": both * 1e3}


def make_model(name):
    if name == "softmax":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))
    if name == "lenet-bn":
        return nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
            nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
            nn.Linear(84, 10))
    raise ValueError(f"unknown model {name}")


def train_epoch(req):
    torch.set_num_threads(req["threads"])
    torch.manual_seed(0)
    count = req["count"]
    images = np.fromfile(req["images"], dtype=np.uint8, count=count * 784)
    labels = np.fromfile(req["labels"], dtype=np.uint8, count=count)
    X = torch.from_numpy(images.astype(np.float32) / 255).reshape(count, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64))
    net = make_model(req["model"])
    if req["model"].startswith("lenet"):
        def init(m):
            if type(m) in (nn.Linear, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
        net.apply(init)
    opt = torch.optim.SGD(net.parameters(), lr=req["lr"])
    loss_fn = nn.CrossEntropyLoss()
    batch = req["batchSize"]

    def epoch(limit=None):
        perm = torch.randperm(count)
        seen = 0
        for start in range(0, count, batch):
            idx = perm[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(net(X[idx]), y[idx])
            loss.backward()
            opt.step()
            seen += len(idx)
            if limit is not None and seen >= limit:
                break
        return seen

    epoch(limit=batch * 5)  # warm-up
    start = time.perf_counter()
    seen = epoch()
    seconds = time.perf_counter() - start
    return {"examplesPerSec": seen / seconds, "seconds": seconds}


def overhead(req):
    torch.set_num_threads(1)
    n = req["ops"]
    x = torch.zeros(req["size"])

    def chain():
        y = x
        for _ in range(n):
            y = y + 1
        return y

    return {"usPerOp": best_time(chain, 5) / n * 1e6}


HANDLERS = {"sgemm": sgemm, "conv": conv, "train": train_epoch, "overhead": overhead}


def main():
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "blas": torch.__config__.show().count("OpenBLAS") > 0}
    print(json.dumps({"ready": True, **info}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            result = HANDLERS[req["kind"]](req)
        except Exception as error:  # the bench prints the failure in its row
            result = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
