#!/usr/bin/env python3
"""Manual check that a nabla LeNet checkpoint loads into the book's PyTorch LeNet and back.

Run through `npx tsx scripts/verify-pytorch.ts` (it writes the files this script reads), with a
Python that has PyTorch (Debian: `apt-get install python3-torch`; /usr/bin/python3). Not part of
the test command. The `safetensors` package is not needed: the format is read and written here
in a few lines (8-byte little-endian header length, JSON header, raw little-endian data).

  verify_pytorch_lenet.py <model.safetensors> <io.safetensors> <out.safetensors> [lenet|lenet-bn]

1. loads nabla's model file into d2l's PyTorch LeNet with load_state_dict(strict=True),
2. runs it on the inputs X of io.safetensors and compares with nabla's logits,
3. writes a state dict made by PyTorch (weights scaled by 0.5) and PyTorch's logits for it to
   out.safetensors, for nabla to load and compare (the reverse direction).
"""
import json
import struct
import sys

import torch
from torch import nn

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64,
          "U8": torch.uint8, "BOOL": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}


def load_file(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        buf = bytearray(body[begin:end])
        t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]) if buf else torch.empty(0, dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out


def save_file(tensors, path):
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def lenet():  # d2l 6.6 (PyTorch), with explicit input sizes instead of Lazy layers
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def lenet_bn():  # d2l 8.5 (PyTorch), concise BatchNorm LeNet
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))


def main():
    model_path, io_path, out_path = sys.argv[1:4]
    kind = sys.argv[4] if len(sys.argv) > 4 else "lenet"
    sd = {k: v for k, v in load_file(model_path).items() if not k.startswith("__")}
    # d2l 2.0 wraps the Sequential in a Classifier as `self.net`; accept either layout.
    prefix = "net." if all(k.startswith("net.") for k in sd) else ""
    sd = {k[len(prefix):]: v for k, v in sd.items()}
    net = lenet_bn() if kind == "lenet-bn" else lenet()
    net.load_state_dict(sd, strict=True)
    print(f"loaded {len(sd)} tensors into PyTorch {kind} (strict): {', '.join(sd)}")
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            print(f"  {k}: dtype {v.dtype}, value {int(v)}")
    net.eval()
    io = load_file(io_path)
    with torch.no_grad():
        logits = net(io["X"])
    diff = (logits - io["logits"]).abs().max().item()
    print(f"nabla -> PyTorch: max |logits difference| = {diff:.3g}")
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(0.5)
        back = net(io["X"])
    state = {prefix + k: v for k, v in net.state_dict().items()}
    state["__logits"] = back
    save_file(state, out_path)
    print(f"wrote PyTorch's state dict (weights x 0.5) and its logits to {out_path}")
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
