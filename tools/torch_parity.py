#!/usr/bin/env python3
"""acl-ecg encoders in PyTorch, and a parity check against the C++ engine.

The classes below are the PyTorch twins of models/leadwise.h and models/resnet1d.h: same modules,
same parameter and buffer names, same shapes, so a model.safetensors written by acl-ecg loads with
load_state_dict(strict=True). Import them to use a pretrained acl-ecg encoder elsewhere:

    import sys; sys.path.insert(0, "tools")
    from torch_parity import load_encoder
    encoder = load_encoder("runs/pretrain/model.safetensors").eval()
    embedding = encoder(x)            # x: (B, 12, L), leads in PTB-XL order

Run as a script, it checks parity: for each case it runs tools/acl_export_parity (built from this
repository) to write an encoder, an input and the engine's embeddings, rebuilds the encoder here,
and compares eval-mode embeddings, training-mode embeddings and the running statistics after the
training-mode forward. It prints the largest relative difference, max|torch - acl| / max|acl|,
per case and exits with status 1 when one exceeds --tol (default 1e-4).

    python3 tools/torch_parity.py --exe build-models/tools/acl_export_parity

Needs torch and numpy; safetensors files are read and written here with numpy alone.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # the module stays importable for its safetensors helpers
    torch = None
    nn = None

# ---- leads and config ------------------------------------------------------------------------

STANDARD_LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
INDEPENDENT_LEADS = [1, 2, 6, 7, 8, 9, 10, 11]

DEFAULT_LEADWISE = {"channels": [8, 16, 32, 64, 64], "kernel_size": 3, "pool_size": 2,
                    "shared_weights": False}
DEFAULT_RESNET = {"blocks": [2, 2, 2, 2], "widths": [64, 128, 256, 512], "kernel_size": 7,
                  "stem_width": 64, "stem_kernel_size": 15, "stem_stride": 2, "stem_pool": True}


def lead_indices(leads, encoder_type: str) -> List[int]:
    """Resolves a config's "leads" ("independent", "all", names, or absent) to standard indices."""
    if leads is None:
        leads = "independent" if encoder_type == "leadwise" else "all"
    if leads == "independent":
        return list(INDEPENDENT_LEADS)
    if leads == "all":
        return list(range(12))
    lower = [n.lower() for n in STANDARD_LEADS]
    return [lower.index(str(n).lower()) for n in leads]


def resolve_config(cfg: dict) -> dict:
    """The config with every default filled in, as EncoderConfig::to_json writes it."""
    cfg = dict(cfg)
    t = cfg.get("type", "leadwise")
    t = "resnet1d" if t in ("resnet1d", "resnet1d18") else t
    if t != "leadwise" and t != "resnet1d":
        raise ValueError(f"encoder.type: expected 'leadwise' or 'resnet1d', got {t!r}")
    known = {"type", "leads", "bn_momentum", "bn_eps", "leadwise", "resnet"}
    for k in cfg:
        if k not in known:
            raise ValueError(f"encoder.{k}: unknown key (valid: {sorted(known)})")
    return {
        "type": t,
        "leads": lead_indices(cfg.get("leads"), t),
        "bn_momentum": float(cfg.get("bn_momentum", 0.1)),
        "bn_eps": float(cfg.get("bn_eps", 1e-5)),
        "leadwise": {**DEFAULT_LEADWISE, **cfg.get("leadwise", {})},
        "resnet": {**DEFAULT_RESNET, **cfg.get("resnet", {})},
    }


# ---- modules ----------------------------------------------------------------------------------

if torch is not None:

    class LeadwiseBlock(nn.Module):
        """conv (k, padding k//2, no bias, grouped by lead) - BN - ReLU - max_pool1d(pool)."""

        def __init__(self, cin, cout, kernel_size, groups, pool_size, momentum, eps):
            super().__init__()
            self.conv = nn.Conv1d(cin, cout, kernel_size, padding=kernel_size // 2, groups=groups,
                                  bias=False)
            self.bn = nn.BatchNorm1d(cout, eps=eps, momentum=momentum)
            self.pool_size = pool_size

        def forward(self, x):
            return F.max_pool1d(F.relu(self.bn(self.conv(x))), self.pool_size, self.pool_size)

    class LeadwiseEncoder(nn.Module):
        """models/leadwise.h: (B, 12, L) -> embedding (B, N * F); lead embeddings (B, N, F)."""

        def __init__(self, cfg: dict):
            super().__init__()
            cfg = resolve_config(cfg)
            c = cfg["leadwise"]
            self.register_buffer("lead_index", torch.tensor(cfg["leads"]), persistent=False)
            self.shared = bool(c["shared_weights"])
            self.feature_dim = c["channels"][-1]
            n = 1 if self.shared else len(cfg["leads"])
            blocks, prev = [], 1
            for width in c["channels"]:
                blocks.append(LeadwiseBlock(n * prev, n * width, c["kernel_size"], n,
                                            c["pool_size"], cfg["bn_momentum"], cfg["bn_eps"]))
                prev = width
            self.blocks = nn.Sequential(*blocks)

        def lead_embeddings(self, x):
            h = x.index_select(1, self.lead_index)
            B, N, L = h.shape
            if self.shared:
                h = h.reshape(B * N, 1, L)
            h = self.blocks(h).mean(dim=2)
            return h.reshape(B, N, self.feature_dim)

        def forward(self, x):
            z = self.lead_embeddings(x)
            return z.reshape(z.shape[0], -1)

    class BasicBlock1d(nn.Module):
        """torchvision's BasicBlock in 1-D, kernel k with padding k//2."""

        def __init__(self, cin, planes, stride, kernel_size, momentum, eps):
            super().__init__()
            pad = kernel_size // 2
            self.conv1 = nn.Conv1d(cin, planes, kernel_size, stride, pad, bias=False)
            self.bn1 = nn.BatchNorm1d(planes, eps=eps, momentum=momentum)
            self.conv2 = nn.Conv1d(planes, planes, kernel_size, 1, pad, bias=False)
            self.bn2 = nn.BatchNorm1d(planes, eps=eps, momentum=momentum)
            self.downsample = None
            if stride != 1 or cin != planes:
                self.downsample = nn.Sequential(
                    nn.Conv1d(cin, planes, 1, stride, bias=False),
                    nn.BatchNorm1d(planes, eps=eps, momentum=momentum))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            shortcut = x if self.downsample is None else self.downsample(x)
            return F.relu(out + shortcut)

    class ResNet1d(nn.Module):
        """models/resnet1d.h: (B, 12, L) -> (B, widths[-1]); default config = resnet1d18."""

        def __init__(self, cfg: dict):
            super().__init__()
            cfg = resolve_config(cfg)
            c = cfg["resnet"]
            m, eps = cfg["bn_momentum"], cfg["bn_eps"]
            self.register_buffer("lead_index", torch.tensor(cfg["leads"]), persistent=False)
            self.stem_pool = bool(c["stem_pool"])
            self.conv1 = nn.Conv1d(len(cfg["leads"]), c["stem_width"], c["stem_kernel_size"],
                                   c["stem_stride"], c["stem_kernel_size"] // 2, bias=False)
            self.bn1 = nn.BatchNorm1d(c["stem_width"], eps=eps, momentum=m)
            cin = c["stem_width"]
            self.num_stages = len(c["blocks"])
            for s, (n, width) in enumerate(zip(c["blocks"], c["widths"])):
                blocks = []
                for b in range(n):
                    stride = 2 if s > 0 and b == 0 else 1
                    blocks.append(BasicBlock1d(cin, width, stride, c["kernel_size"], m, eps))
                    cin = width
                setattr(self, f"layer{s + 1}", nn.Sequential(*blocks))

        def forward(self, x):
            h = F.relu(self.bn1(self.conv1(x.index_select(1, self.lead_index))))
            if self.stem_pool:
                h = F.max_pool1d(h, 3, 2, 1)
            for s in range(self.num_stages):
                h = getattr(self, f"layer{s + 1}")(h)
            return h.mean(dim=2)

    def make_encoder(cfg: dict) -> nn.Module:
        """The PyTorch twin of acl::models::make_encoder for an encoder config dict."""
        return LeadwiseEncoder(cfg) if resolve_config(cfg)["type"] == "leadwise" else ResNet1d(cfg)

    def load_encoder(path: str, config: Optional[dict] = None, prefix: Optional[str] = None,
                     strict: bool = True) -> nn.Module:
        """Builds an encoder and loads acl-ecg weights from a safetensors file.

        config: the encoder config; by default the file's "config" metadata (an encoder config, or
        a run config holding one under "encoder" or "model.encoder"). prefix: the name prefix of the
        encoder's tensors in the file (e.g. "encoder."); by default "" when the file has
        "conv1.weight" or "blocks.0.conv.weight", else "encoder.". Tensors outside the prefix
        (heads) are ignored; inside it, names must match exactly when strict.
        """
        tensors, meta = read_safetensors(path)
        if config is None:
            if "config" not in meta:
                raise ValueError(f"{path}: no 'config' metadata; pass config=")
            config = json.loads(meta["config"])
            if "encoder" in config:
                config = config["encoder"]
            elif "model" in config and "encoder" in config["model"]:
                config = config["model"]["encoder"]
        if prefix is None:
            prefix = "" if ("conv1.weight" in tensors or "blocks.0.conv.weight" in tensors) \
                else "encoder."
        model = make_encoder(config)
        state = {k[len(prefix):]: torch.from_numpy(v.copy())
                 for k, v in tensors.items() if k.startswith(prefix)}
        model.load_state_dict(state, strict=strict)
        return model


# ---- safetensors (numpy) ----------------------------------------------------------------------

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64,
           "F16": np.float16, "U8": np.uint8, "I8": np.int8, "I16": np.int16}


def read_safetensors(path: str) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """name -> array (BF16 becomes float32) and the __metadata__ strings."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        raw = data[base + b:base + end]
        if e["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(_DTYPES[e["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(e["shape"]).copy()
    return out, meta


def write_safetensors(path: str, tensors: Dict[str, np.ndarray],
                      metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes arrays (float32/float64/int32/int64, ...) as a safetensors file."""
    names = {v: k for k, v in _DTYPES.items()}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        a = np.array(tensors[name], order="C")  # keeps rank 0 (ascontiguousarray would not)
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": names[a.dtype.type], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---- parity check -----------------------------------------------------------------------------

CASES = [
    ("leadwise-8-per-lead", {"type": "leadwise"}, 512),
    ("leadwise-12-shared", {"type": "leadwise", "leads": "all",
                            "leadwise": {"shared_weights": True}}, 500),
    ("leadwise-custom", {"type": "leadwise", "leads": ["I", "aVR", "V6"], "bn_momentum": 0.3,
                         "leadwise": {"channels": [4, 8, 16], "kernel_size": 5, "pool_size": 3}},
     300),
    ("resnet1d18-12", {"type": "resnet1d"}, 1000),
    ("resnet-small-8", {"type": "resnet1d", "leads": "independent", "bn_eps": 1e-3,
                        "resnet": {"blocks": [1, 2], "widths": [32, 48], "kernel_size": 5,
                                   "stem_width": 16, "stem_kernel_size": 7, "stem_stride": 1,
                                   "stem_pool": False}}, 250),
]


def rel_diff(got: np.ndarray, ref: np.ndarray) -> float:
    """max|got - ref| / max|ref| (the reference's scale; elements near 0 don't blow up)."""
    scale = float(np.max(np.abs(ref)))
    if scale == 0.0:
        raise ValueError("reference is identically zero")
    return float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) / scale


def find_exe() -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = sorted(glob.glob(os.path.join(root, "build*", "tools", "acl_export_parity")),
                   key=os.path.getmtime, reverse=True)
    if not found:
        raise SystemExit("acl_export_parity not found under build*/tools: build it or pass --exe")
    return found[0]


def check_case(exe: str, name: str, cfg: dict, length: int, seed: int, workdir: str) -> dict:
    out = os.path.join(workdir, name)
    os.makedirs(out, exist_ok=True)
    subprocess.run([exe, "--config-json", json.dumps(cfg), "--seed", str(seed), "--batch", "4",
                    "--length", str(length), "--warmup", "2", "--out", out],
                   check=True, stdout=subprocess.DEVNULL)
    model = load_encoder(os.path.join(out, "model.safetensors"))  # config from the metadata
    x = torch.from_numpy(read_safetensors(os.path.join(out, "input.safetensors"))[0]["input"])
    ref, _ = read_safetensors(os.path.join(out, "embedding.safetensors"))
    after, _ = read_safetensors(os.path.join(out, "model_after_train.safetensors"))
    result = {}
    with torch.no_grad():
        model.eval()
        result["eval"] = rel_diff(model(x).numpy(), ref["embedding"])
        if "lead_embeddings" in ref:
            result["lead"] = rel_diff(model.lead_embeddings(x).numpy(), ref["lead_embeddings"])
        model.train()
        result["train"] = rel_diff(model(x).numpy(), ref["embedding_train"])
    buffers = 0.0
    for k, v in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            if int(v) != int(after[k]):
                raise SystemExit(f"{name}: {k} = {int(v)} in torch, {int(after[k])} in acl-ecg")
        elif k.endswith("running_mean") or k.endswith("running_var"):
            buffers = max(buffers, rel_diff(v.numpy(), after[k]))
    result["buffers"] = buffers
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exe", help="path of acl_export_parity (default: newest build*/tools/...)")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--workdir", help="keep the exported files here (default: a temp dir)")
    args = ap.parse_args()
    if torch is None:
        raise SystemExit("torch is not installed: pip install torch --index-url "
                         "https://download.pytorch.org/whl/cpu")
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    exe = args.exe or find_exe()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or tmp
        worst = 0.0
        print(f"{'case':<22}{'eval':>12}{'lead emb':>12}{'train':>12}{'run stats':>12}")
        for name, cfg, length in CASES:
            r = check_case(exe, name, cfg, length, args.seed, workdir)
            lead = f"{r['lead']:12.2e}" if "lead" in r else f"{'-':>12}"
            print(f"{name:<22}{r['eval']:12.2e}{lead}{r['train']:12.2e}{r['buffers']:12.2e}")
            worst = max(worst, *r.values())
    print(f"max relative difference {worst:.3e} (tolerance {args.tol:g})")
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
