"""PyTorch side of `npm run bench`: reads one JSON request per line on stdin, runs that workload,
and answers one JSON line. The nabla bench alternates its own rows with these, in one run.

Every workload answers {"value": ...} (GFLOP/s, ms, examples/s or µs, as the request's kind
implies) and may add details; a failure answers {"error": ...}. Timing mirrors the nabla side
(bench/sections/timing.ts): best of `samples` timed samples of `inner` calls each, after warm-up."""
import ctypes
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn


def best_time(fn, samples, inner=1, warmup_seconds=0.25):
    """Seconds per call of the best of `samples` samples of `inner` calls each, and that sample's
    minor page faults per call, after a warm-up of at least one sample's worth of calls (2 or more)
    and `warmup_seconds`."""
    start, calls = time.perf_counter(), 0
    while calls < max(2, inner) or time.perf_counter() - start < warmup_seconds:
        fn()
        calls += 1
    best, faults = float("inf"), 0
    for _ in range(samples):
        f0 = minor_faults()
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        seconds = (time.perf_counter() - start) / inner
        if seconds < best:
            best, faults = seconds, (minor_faults() - f0) / inner
    return best, faults


def median_time(fn, samples, warmup=2):
    """Median seconds of `samples` calls (what bench/overhead.ts reports)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def openblas():
    """The OpenBLAS library torch loaded (its folder name), its core type and thread count."""
    paths = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libopenblas" in line})
    if not paths:
        return {"blasLib": None}
    lib = ctypes.CDLL(paths[0])
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return {
        "blasLib": os.path.basename(os.path.dirname(paths[0])),
        "blasCore": lib.openblas_get_corename().decode(),
        "blasThreads": lib.openblas_get_num_threads(),
    }


def info(req):
    torch.set_num_threads(req["threads"])
    torch.ones(64, 64).mm(torch.ones(64, 64))  # loads the BLAS
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "value": torch.get_num_threads(),
        **openblas(),
    }


def sgemm(req):
    n, trans_a = req["n"], req["transA"]
    torch.set_num_threads(req["threads"])
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    if trans_a:
        a = a.t()  # a transposed view: the TN product
    seconds, faults = best_time(lambda: torch.mm(a, b), req["samples"], req["inner"])
    return {"value": 2 * n**3 / seconds / 1e9, "faults": faults}


def conv(req):
    torch.set_num_threads(req["threads"])
    n, cin, cout, h, k, pad = req["batch"], req["cin"], req["cout"], req["size"], req["k"], req["pad"]
    torch.manual_seed(0)
    x = torch.randn(n, cin, h, h, requires_grad=True)
    layer = nn.Conv2d(cin, cout, k, padding=pad)
    if req["mode"] == "fwd":
        with torch.no_grad():
            seconds, faults = best_time(lambda: layer(x), req["samples"])
    else:

        def fwd_bwd():
            layer.zero_grad(set_to_none=True)
            x.grad = None
            layer(x).sum().backward()

        seconds, faults = best_time(fwd_bwd, req["samples"])
    return {"value": seconds * 1e3, "faults": faults}


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


def init_model(net, how):
    """The book's inits, as nabla's registry applies them: N(0, 0.01) on Linear weights, or Xavier."""
    def init(m):
        if how == "normal" and type(m) is nn.Linear:
            nn.init.normal_(m.weight, std=0.01)
        if how == "xavier" and type(m) in (nn.Linear, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
    net.apply(init)


def train_epoch(req):
    torch.set_num_threads(req["threads"])
    torch.manual_seed(0)
    count = req["count"]
    images = np.fromfile(req["images"], dtype=np.uint8, count=count * 784)
    labels = np.fromfile(req["labels"], dtype=np.uint8, count=count)
    X = torch.from_numpy(images.astype(np.float32) / 255).reshape(count, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64))
    net = make_model(req["model"])
    init_model(net, req["init"])
    opt = torch.optim.SGD(net.parameters(), lr=req["lr"])
    loss_fn = nn.CrossEntropyLoss()
    batch = req["batchSize"]

    # The same loop as bench/sections/train-epoch.ts: a preloaded float tensor, a fresh randperm
    # per epoch, index_select of each batch, gradients set to None (nabla's zeroGrad default).
    def epoch(limit=None):
        perm = torch.randperm(count)
        seen = 0
        for start in range(0, count, batch):
            idx = perm[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X.index_select(0, idx)), y.index_select(0, idx))
            loss.backward()
            opt.step()
            seen += len(idx)
            if limit is not None and seen >= limit:
                break
        return seen

    first = None
    for e in range(req["warmupEpochs"]):
        start = time.perf_counter()
        seen = epoch()
        if e == 0:
            first = seen / (time.perf_counter() - start)
    if req["warmupBatches"] > 0:
        epoch(limit=batch * req["warmupBatches"])
    best, faults = float("inf"), 0
    for _ in range(req["epochs"]):
        f0 = minor_faults()
        start = time.perf_counter()
        seen = epoch()
        seconds = time.perf_counter() - start
        if seconds < best:
            best, faults = seconds, minor_faults() - f0
    result = {"value": seen / best, "seconds": best, "faults": faults}
    if first is not None:
        result["first"] = first
    return result


def overhead(req):
    torch.set_num_threads(req["threads"])
    n = req["ops"]
    x = torch.ones(req["size"], requires_grad=req["grad"])
    one = torch.ones(req["size"])
    if req["op"] == "add":
        step = lambda y: y + one  # noqa: E731
    else:
        step = lambda y: y * 1.0001  # noqa: E731

    def chain():
        y = x
        for _ in range(n):
            y = step(y)
        return y

    if req["grad"]:
        seconds = median_time(chain, req["samples"])
    else:
        with torch.no_grad():
            seconds = median_time(chain, req["samples"])
    return {"value": seconds / n * 1e6}


HANDLERS = {"info": info, "sgemm": sgemm, "conv": conv, "train": train_epoch, "overhead": overhead}


def main():
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            result = HANDLERS[req["kind"]](req)
            result["threads"] = torch.get_num_threads()  # checked against the request's
        except Exception as error:  # the bench prints the failure in its row
            result = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
