#!/usr/bin/env python3
"""PyTorch yardstick for acl_bench: the same kernels on the same shapes, eager and torch.compile.

On CUDA, timing mirrors acl_bench: warm-up calls, then repetitions each preceded by an L2 flush
(a write to a buffer twice the L2 size, outside the timed region), timed with CUDA events; the
median is reported with GB/s and TFLOP/s from the same minimum-traffic and FLOP counts. cuDNN runs with
cudnn.benchmark on (its own algorithm search, as in training). Every case runs with TF32 off
(convolutions and matmuls in IEEE FP32, like acl's kernels: impl *_fp32) and with TF32 on (cuDNN
and cuBLAS may round FP32 inputs to TF32 on tensor cores: impl *_tf32); --tf32 picks one.
torch.compile (default mode unless --compile-mode) is timed next to eager for every case; Inductor
hands a lone convolution to the same ATen/cuDNN call as eager, so compile rows mostly measure the
wrapper. Convolutions have no bias, as in the encoders and in acl_bench.

The contrastive loss (CONTRASTIVE_SHAPES) is timed as it is usually written in PyTorch (dense
M x M similarity matrix and boolean masks from the ids, logsumexp, mean positive): contrastive_fwd
from normalised rows, contrastive_fwd_bwd from raw rows (F.normalize, the loss,
torch.autograd.grad), each checked against a float64 reference computed in blocks of rows; these
rows also record the call's peak CUDA memory (mem_bytes) and, when PyTorch runs out of device
memory, a row with status 'oom' (not a failure).

Before it is timed, every result is checked against the same op in float64 on the same inputs and
device: max |got - ref| / max |ref| within 1e-4 (wgrad 1e-3) for FP32 and 1e-2 for TF32, as in
acl_bench.

On the CPU (--device cpu; --quick for a small smoke run) calls are timed with a steady clock
(median, no cache flush), FP32 only, with torch's intra-op thread count (--threads).

    python3 tools/bench_torch.py [--device cuda|cpu] [--filter TEXT] [--reps 10] [--warmup 3]
        [--batch N] [--tf32 off|on|both] [--no-compile] [--compile-mode MODE] [--csv FILE]
        [--threads N] [--quick] [--list]

--csv writes the columns of acl_bench --csv (tools/compare_bench.py merges the two). --list
prints the conv1d cases as acl_bench --list does, without PyTorch. Without PyTorch, or without a
CUDA device for --device cuda, it says so and exits 0. Exit status 1 when a check failed or a case
raised.
"""
import argparse
import csv
import math
import statistics
import sys
import time

# (tag, B, Cin, Cout, L, K, stride, pad, groups): equal to conv_shapes() in
# tools/bench/conv_cases.cpp, whose header explains the tags (`acl_bench --list` and
# `bench_torch.py --list` print the same lines).
CONV_SHAPES = [
    # resnet1d18, 12 x 1000 (100 Hz)
    ("r18_100hz_stem", 256, 12, 64, 1000, 15, 2, 7, 1),
    ("r18_100hz_l1", 256, 64, 64, 250, 7, 1, 3, 1),
    ("r18_100hz_l2_in", 256, 64, 128, 250, 7, 2, 3, 1),
    ("r18_100hz_l2_ds", 256, 64, 128, 250, 1, 2, 0, 1),
    ("r18_100hz_l2", 256, 128, 128, 125, 7, 1, 3, 1),
    ("r18_100hz_l3_in", 256, 128, 256, 125, 7, 2, 3, 1),
    ("r18_100hz_l3_ds", 256, 128, 256, 125, 1, 2, 0, 1),
    ("r18_100hz_l3", 256, 256, 256, 63, 7, 1, 3, 1),
    ("r18_100hz_l4_in", 256, 256, 512, 63, 7, 2, 3, 1),
    ("r18_100hz_l4_ds", 256, 256, 512, 63, 1, 2, 0, 1),
    ("r18_100hz_l4", 256, 512, 512, 32, 7, 1, 3, 1),
    # resnet1d18, 12 x 2500 (250 Hz)
    ("r18_250hz_stem", 256, 12, 64, 2500, 15, 2, 7, 1),
    ("r18_250hz_l1", 256, 64, 64, 625, 7, 1, 3, 1),
    ("r18_250hz_l2_in", 256, 64, 128, 625, 7, 2, 3, 1),
    ("r18_250hz_l2_ds", 256, 64, 128, 625, 1, 2, 0, 1),
    ("r18_250hz_l2", 256, 128, 128, 313, 7, 1, 3, 1),
    ("r18_250hz_l3_in", 256, 128, 256, 313, 7, 2, 3, 1),
    ("r18_250hz_l3_ds", 256, 128, 256, 313, 1, 2, 0, 1),
    ("r18_250hz_l3", 256, 256, 256, 157, 7, 1, 3, 1),
    ("r18_250hz_l4_in", 256, 256, 512, 157, 7, 2, 3, 1),
    ("r18_250hz_l4_ds", 256, 256, 512, 157, 1, 2, 0, 1),
    ("r18_250hz_l4", 256, 512, 512, 79, 7, 1, 3, 1),
    # resnet1d18 on the CPU step (tools/bench/cpu_step.py), 2 x 64 views of 12 x 250
    ("r18_step_stem", 128, 12, 64, 250, 15, 2, 7, 1),
    ("r18_step_l1", 128, 64, 64, 63, 7, 1, 3, 1),
    ("r18_step_l2_in", 128, 64, 128, 63, 7, 2, 3, 1),
    ("r18_step_l2_ds", 128, 64, 128, 63, 1, 2, 0, 1),
    ("r18_step_l2", 128, 128, 128, 32, 7, 1, 3, 1),
    ("r18_step_l3_in", 128, 128, 256, 32, 7, 2, 3, 1),
    ("r18_step_l3_ds", 128, 128, 256, 32, 1, 2, 0, 1),
    ("r18_step_l3", 128, 256, 256, 16, 7, 1, 3, 1),
    ("r18_step_l4_in", 128, 256, 512, 16, 7, 2, 3, 1),
    ("r18_step_l4_ds", 128, 256, 512, 16, 1, 2, 0, 1),
    ("r18_step_l4", 128, 512, 512, 8, 7, 1, 3, 1),
    # lead-wise, 12 leads = 12 groups, 12 x 1000
    ("lw12_100hz_b1", 256, 12, 96, 1000, 3, 1, 1, 12),
    ("lw12_100hz_b2", 256, 96, 192, 500, 3, 1, 1, 12),
    ("lw12_100hz_b3", 256, 192, 384, 250, 3, 1, 1, 12),
    ("lw12_100hz_b4", 256, 384, 768, 125, 3, 1, 1, 12),
    ("lw12_100hz_b5", 256, 768, 768, 62, 3, 1, 1, 12),
    # lead-wise, 12 groups, 12 x 2500
    ("lw12_250hz_b1", 256, 12, 96, 2500, 3, 1, 1, 12),
    ("lw12_250hz_b2", 256, 96, 192, 1250, 3, 1, 1, 12),
    ("lw12_250hz_b3", 256, 192, 384, 625, 3, 1, 1, 12),
    ("lw12_250hz_b4", 256, 384, 768, 312, 3, 1, 1, 12),
    ("lw12_250hz_b5", 256, 768, 768, 156, 3, 1, 1, 12),
    # lead-wise default: 8 independent leads = 8 groups, 8 x 1000
    ("lw8_100hz_b1", 256, 8, 64, 1000, 3, 1, 1, 8),
    ("lw8_100hz_b2", 256, 64, 128, 500, 3, 1, 1, 8),
    ("lw8_100hz_b3", 256, 128, 256, 250, 3, 1, 1, 8),
    ("lw8_100hz_b4", 256, 256, 512, 125, 3, 1, 1, 8),
    ("lw8_100hz_b5", 256, 512, 512, 62, 3, 1, 1, 8),
    # extremes
    ("small_b16_c64_l32", 16, 64, 64, 32, 7, 1, 3, 1),
    ("large_c64_l2500_k15", 256, 64, 64, 2500, 15, 1, 7, 1),
    ("large_c512_l313_k15", 256, 512, 512, 313, 15, 1, 7, 1),
]
PASSES = ("fwd", "dgrad", "wgrad")

# --quick: a few shapes that still cover stride 2, a 1x1 downsample, groups and the small extreme.
QUICK_TAGS = ("r18_100hz_stem", "r18_100hz_l2_ds", "lw12_100hz_b2", "small_b16_c64_l32")

# (tag, N records, R regions, d): equal to contrastive_shapes() in
# tools/bench/contrastive_cases.cpp, whose header explains them. M = VIEWS x N x R rows, ordered
# as the trainer's ids: row (view * N + record) * R + region has ids (record, region, view).
CONTRASTIVE_SHAPES = [
    ("global_b256", 256, 1, 128),      # M 512
    ("global_b512", 512, 1, 128),      # M 1024
    ("region_b256", 256, 4, 128),      # M 2048
    ("region_b512", 512, 4, 128),      # M 4096
    ("region_b512_d64", 512, 4, 64),   # M 4096, d 64
    ("region_b2048", 2048, 4, 128),    # M 16384
    ("large_b8192_r4", 8192, 4, 128),  # M 65536
]
VIEWS = 2
TAU = 0.1
CPU_MAX_CONTRASTIVE_ROWS = 4096  # as acl_bench --device cpu
QUICK_CONTRASTIVE = ("global_b256",)

# The CSV columns of acl_bench --csv. mem_bytes (contrastive rows): the memory one call needs
# beyond its inputs, outputs included; measured here on CUDA as torch.cuda.max_memory_allocated()
# during the call minus torch.cuda.memory_allocated() before it (computed in acl_bench).
CSV_COLUMNS = ["device", "kernel", "shape", "dims", "impl", "median_ms", "gbs", "tflops",
               "pct_peak_bw", "pct_peak_flops", "peak_kind", "check_error", "check_tol",
               "check_ref", "status", "note", "mem_bytes"]

TF32_TOL = 1e-2  # see fp32_tolerance / kTf32Tolerance in tools/bench/conv_cases.h
CONTRASTIVE_TOL = 1e-4  # kContrastiveTol in tools/bench/reference.h: loss, gradient vs float64


def fp32_tol(pass_name):
    return 1e-3 if pass_name == "wgrad" else 1e-4


def conv_out_length(L, K, stride, pad, dil=1):
    return (L + 2 * pad - dil * (K - 1) - 1) // stride + 1


def conv_dims(shape, B):
    tag, _, Cin, Cout, L, K, s, p, g = shape
    return (f"B{B} Cin{Cin} Cout{Cout} L{L} K{K} s{s} p{p} g{g} "
            f"Lout{conv_out_length(L, K, s, p)}")


def conv_batch(shape, batch):
    return batch if batch > 0 else shape[1]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    ap.add_argument("--filter", default="", help="only cases whose kernel/shape contains this")
    ap.add_argument("--reps", type=int, default=None, help="timed repetitions (default 10)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed calls first (default 3)")
    ap.add_argument("--batch", type=int, default=0,
                    help="conv1d batch for every shape (default: each shape's own; --quick: 2)")
    ap.add_argument("--tf32", choices=("off", "on", "both"), default="both",
                    help="TF32 in cuDNN and cuBLAS (CUDA only)")
    ap.add_argument("--no-compile", action="store_true", help="eager only")
    ap.add_argument("--compile-mode", default="default",
                    help="torch.compile mode (default, max-autotune, ...)")
    ap.add_argument("--csv", default="", help="also write every row to this CSV file")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: a few conv1d shapes at batch 2, 3 reps, 1 warm-up")
    ap.add_argument("--list", action="store_true",
                    help="print the conv1d cases and their dimensions, run nothing")
    args = ap.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 10
    if args.warmup is None:
        args.warmup = 1 if args.quick else 3
    if args.quick and args.batch == 0:
        args.batch = 2
    if args.reps < 1 or args.warmup < 0 or args.batch < 0:
        ap.error("--reps must be >= 1, --warmup >= 0, --batch >= 0")
    return args


def selected_shapes(args):
    return [s for s in CONV_SHAPES if not args.quick or s[0] in QUICK_TAGS]


def list_cases(args):
    for shape in CONV_SHAPES:
        for p in PASSES:
            print(f"conv1d_{p}/{shape[0]} {conv_dims(shape, conv_batch(shape, args.batch))}")
    return 0


class Bench:
    """Times callables on one device and reports rows (terminal table + CSV)."""

    def __init__(self, torch, args, dev):
        self.torch, self.args, self.dev = torch, args, dev
        self.cuda = dev.type == "cuda"
        self.failures = 0
        self.rows = []
        if self.cuda:
            props = torch.cuda.get_device_properties(dev)
            self.device_name = f"cuda: {props.name} (sm_{props.major}{props.minor})"
            l2 = getattr(props, "L2_cache_size", 50 << 20)
            self.flush = torch.empty(max(2 * l2, 64 << 20) // 4, dtype=torch.float32, device=dev)
        else:
            self.device_name = "cpu: " + cpu_model()
            self.flush = None
        self.csv_file = None
        if args.csv:
            self.csv_file = open(args.csv, "w", newline="")
            self.csv = csv.DictWriter(self.csv_file, fieldnames=CSV_COLUMNS)
            self.csv.writeheader()
            self.csv_file.flush()

    def close(self):
        if self.csv_file:
            self.csv_file.close()

    def median_ms(self, fn):
        torch = self.torch
        for _ in range(self.args.warmup):
            fn()
        times = []
        if self.cuda:
            torch.cuda.synchronize()
            for i in range(self.args.reps):
                self.flush.fill_(float(i))
                start = torch.cuda.Event(enable_timing=True)
                stop = torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                stop.record()
                stop.synchronize()
                times.append(start.elapsed_time(stop))
        else:
            for _ in range(self.args.reps):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times)

    def rel_error(self, got, ref):
        """max |got - ref| / max |ref|; for tuples, the worst over the pairs (NaN wins)."""
        torch = self.torch
        if isinstance(ref, (tuple, list)):
            if not isinstance(got, (tuple, list)) or len(got) != len(ref):
                return math.nan
            errs = [self.rel_error(g, r) for g, r in zip(got, ref)]
            return math.nan if any(math.isnan(e) for e in errs) else max(errs)
        got = got.detach().to(torch.float64)
        ref = ref.detach().to(torch.float64)
        if got.shape != ref.shape:
            return math.nan
        diff = (got - ref).abs()
        if torch.isnan(diff).any():
            return math.nan
        scale = ref.abs().max().item() if ref.numel() else 0.0
        worst = diff.max().item() if diff.numel() else 0.0
        return worst / scale if scale > 0 else worst

    def peak_mem_bytes(self, fn):
        """CUDA memory one call of fn allocates beyond what was allocated before it (peak)."""
        torch = self.torch
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        out = fn()
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - base
        del out
        return peak

    def is_oom(self, e):
        oom = getattr(self.torch, "OutOfMemoryError", None) or getattr(
            self.torch.cuda, "OutOfMemoryError", None)
        return (oom is not None and isinstance(e, oom)) or "out of memory" in str(e)

    def run(self, kernel, shape, dims, impl, fn, ref, tol, flops, nbytes, note, mem=False):
        """Checks fn() against ref (float64), then times it; returns nothing, records a row.

        mem: also record the call's peak memory (CUDA only). Running out of device memory gives
        a row with status 'oom', which is a result, not a failure."""
        row = {"device": self.device_name, "kernel": kernel, "shape": shape, "dims": dims,
               "impl": impl, "check_tol": f"{tol:.6g}", "check_ref": "torch_f64", "note": note}
        name = f"{kernel}/{shape}"
        try:
            err = self.rel_error(fn(), ref)
            row["check_error"] = "" if math.isnan(err) else f"{err:.6g}"
            if not err <= tol:
                row["status"] = "check_failed"
                print(f"{name:36s} {impl:18s} CHECK FAILED: relative error {err:.3g} > {tol:.1g} "
                      "against float64", flush=True)
            else:
                ms = self.median_ms(fn)
                gbs, tflops = nbytes / ms / 1e6, flops / ms / 1e9
                row.update(status="ok", median_ms=f"{ms:.6g}", gbs=f"{gbs:.6g}",
                           tflops=f"{tflops:.6g}")
                mem_text = ""
                if mem and self.cuda:
                    peak = self.peak_mem_bytes(fn)
                    row["mem_bytes"] = str(peak)
                    mem_text = f"  mem {peak / 2**20:.4g} MiB"
                print(f"{name:36s} {impl:18s} {ms:10.4f} {gbs:9.4g} {tflops:9.4g} {err:9.1e}"
                      f"{mem_text}", flush=True)
        except Exception as e:  # a failing case (compile error, out of memory) ends only itself
            msg = f"{type(e).__name__}: {e}".splitlines()[0]
            if self.cuda and self.is_oom(e):
                row.update(status="oom", note=msg)
                print(f"{name:36s} {impl:18s} OUT OF MEMORY: {msg}", flush=True)
            else:
                row.update(status="error", note=msg)
                print(f"{name:36s} {impl:18s} ERROR: {msg}", flush=True)
        if self.cuda and row["status"] == "oom":
            self.torch.cuda.empty_cache()
        if row["status"] not in ("ok", "oom"):
            self.failures += 1
        self.rows.append(row)
        if self.csv_file:
            self.csv.writerow(row)
            self.csv_file.flush()


def set_tf32(torch, on):
    """TF32 for cuDNN convolutions and cuBLAS matmuls (the fp32_precision API where it exists)."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        conv.fp32_precision = "tf32" if on else "ieee"
        torch.backends.cuda.matmul.fp32_precision = "tf32" if on else "ieee"
    else:
        torch.backends.cudnn.allow_tf32 = on
        torch.backends.cuda.matmul.allow_tf32 = on


def conv_functions(torch, shape):
    """fwd, dgrad, wgrad of one shape as functions of (x, w, dy), no bias."""
    F = torch.nn.functional
    _, _, _, _, _, _, s, p, g = shape
    conv_bwd = torch.ops.aten.convolution_backward

    def fwd(x, w, dy):
        return F.conv1d(x, w, None, s, p, 1, g)

    def dgrad(x, w, dy):
        return conv_bwd(dy, x, w, None, [s], [p], [1], False, [0], g, [True, False, False])[0]

    def wgrad(x, w, dy):
        return conv_bwd(dy, x, w, None, [s], [p], [1], False, [0], g, [False, True, False])[1]

    return {"fwd": fwd, "dgrad": dgrad, "wgrad": wgrad}


def contrastive_dims(N, R, d):
    return f"M{VIEWS * N * R} d{d} N{N} R{R} V{VIEWS} tau{TAU:g}"


def contrastive_counts(M, d, kernel):
    """(FLOPs, bytes) as in acl_bench: forward 2 M^2 d (Z Z^T); fwd_bwd 6 M^2 d (the forward,
    then Z Z^T again and the coefficient matrix times Z); minimum traffic of the fused kernels."""
    md = M * d
    fwd_bytes = 4.0 * (md + 3 * M + 4 * M)
    bwd_bytes = 4.0 * (md + 3 * M + 2 * M + md)
    if kernel == "contrastive_fwd":
        return 2.0 * M * M * d, fwd_bytes
    return 6.0 * M * M * d, fwd_bytes + bwd_bytes + 4.0 * (2 * md + 2 * M + md)


def contrastive_inputs(torch, N, R, d, dev):
    """z (M, d): per (record, region) a standard-normal base, per view the base plus 0.7 x its
    own standard normal; ids (M, 3) = (record, region, view) in the trainer's row order."""
    base = torch.randn(1, N, R, d, device=dev)
    z = (base + 0.7 * torch.randn(VIEWS, N, R, d, device=dev)).reshape(VIEWS * N * R, d)
    v, b, r = torch.meshgrid(torch.arange(VIEWS, device=dev), torch.arange(N, device=dev),
                             torch.arange(R, device=dev), indexing="ij")
    ids = torch.stack([b.reshape(-1), r.reshape(-1), v.reshape(-1)], dim=1)
    return z.contiguous(), ids.contiguous()


def contrastive_loss_torch(torch, zhat, ids, inv_tau):
    """The loss as it is usually written in PyTorch: the dense M x M similarity matrix, dense
    boolean masks from the ids, the row itself masked with -inf, logsumexp, the mean positive
    similarity, the mean over the anchors (rows with a positive)."""
    rec, reg, view = ids[:, 0], ids[:, 1], ids[:, 2]
    same = (rec[:, None] == rec[None, :]) & (reg[:, None] == reg[None, :])
    self_mask = same & (view[:, None] == view[None, :])
    pos = same & ~self_mask
    sim = zhat @ zhat.T * inv_tau
    lse = torch.logsumexp(sim.masked_fill(self_mask, float("-inf")), dim=1)
    npos = pos.sum(1)
    mean_pos = sim.masked_fill(~pos, 0.0).sum(1) / npos.clamp(min=1)
    anchor = npos > 0
    return torch.where(anchor, lse - mean_pos, 0.0).sum() / anchor.sum()


def contrastive_reference(torch, x, ids, inv_tau, normalise, chunk=1024):
    """float64 loss (and with normalise, the gradient with respect to the raw x) computed in
    blocks of `chunk` rows, so memory stays O(chunk x M) at every M."""
    F = torch.nn.functional
    x64 = x.detach().double().requires_grad_(normalise)
    zhat = F.normalize(x64, dim=1) if normalise else x64
    leaf = zhat.detach().requires_grad_(normalise)
    M = x.shape[0]
    rec, reg, view = ids[:, 0], ids[:, 1], ids[:, 2]
    total, anchors = 0.0, 0
    for r0 in range(0, M, chunk):
        r1 = min(M, r0 + chunk)
        same = (rec[r0:r1, None] == rec[None, :]) & (reg[r0:r1, None] == reg[None, :])
        self_mask = same & (view[r0:r1, None] == view[None, :])
        pos = same & ~self_mask
        sim = leaf[r0:r1] @ leaf.T * inv_tau
        lse = torch.logsumexp(sim.masked_fill(self_mask, float("-inf")), dim=1)
        npos = pos.sum(1)
        mean_pos = sim.masked_fill(~pos, 0.0).sum(1) / npos.clamp(min=1)
        anchor = npos > 0
        term = torch.where(anchor, lse - mean_pos, 0.0).sum()
        if normalise:
            term.backward()
        total += term.item()
        anchors += int(anchor.sum().item())
    loss = torch.tensor(total / anchors, dtype=torch.float64, device=x.device)
    if not normalise:
        return loss
    zhat.backward(leaf.grad / anchors)
    return loss, x64.grad


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        return list_cases(args)
    try:
        import torch
    except ImportError:
        print("bench_torch: PyTorch is not installed; nothing to measure")
        return 0
    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench_torch: no CUDA device; nothing to measure")
        return 0
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    bench = Bench(torch, args, dev)
    compile_modes = [] if args.no_compile else ["compile"]
    if bench.cuda:
        torch.backends.cudnn.benchmark = True
        tf32_modes = {"off": [False], "on": [True], "both": [False, True]}[args.tf32]
        backend = (f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
                   "cudnn.benchmark on")
    else:
        tf32_modes = [False]
        backend = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    note = backend + ("" if args.no_compile else f", compile mode {args.compile_mode}")
    print(f"device: {bench.device_name}; {note}; TF32: "
          f"{'/'.join('on' if t else 'off' for t in tf32_modes)}")
    print(f"{args.warmup} warm-up + {args.reps} timed calls per row, median"
          f"{', L2 flushed before each' if bench.cuda else ', no cache flush'}; check: "
          "max |diff| / max |ref| against float64")
    print(f"{'kernel/shape':36s} {'impl':18s} {'median_ms':>10s} {'GB/s':>9s} {'TFLOP/s':>9s} "
          f"{'check':>9s}", flush=True)

    def compile_fn(fn):
        torch._dynamo.reset()  # one compile per case: never the recompile limit's eager fallback
        mode = None if args.compile_mode == "default" else args.compile_mode
        return torch.compile(fn, dynamic=False, mode=mode)

    def run_modes(kernel, shape, dims, fn, inputs, ref, tol_fp32, flops, nbytes, matmul=True,
                  call=None, mem=False):
        # One row per (TF32 mode, eager or compiled). A timed call is fn(*inputs), or call(f) with
        # f the eager or compiled fn when given; mem: report the call's memory (bench.run).
        if call is None:
            def call(f):
                return f(*inputs)
        compiled = compile_fn(fn) if compile_modes else None
        for tf32 in tf32_modes if matmul else [False]:  # TF32 changes convolutions and matmuls only
            if bench.cuda:
                set_tf32(torch, tf32)
            precision = "tf32" if tf32 else "fp32"
            tol = TF32_TOL if tf32 else tol_fp32
            for mode in ["eager"] + compile_modes:
                f = fn if mode == "eager" else compiled
                bench.run(kernel, shape, dims, f"torch_{mode}_{precision}",
                          lambda f=f, call=call: call(f), ref, tol, flops, nbytes, note, mem=mem)

    def randn(*shape):
        return torch.randn(*shape, device=dev, dtype=torch.float32)

    for shape in selected_shapes(args):
        tag, _, Cin, Cout, L, K, s, p, g = shape
        B = conv_batch(shape, args.batch)
        Lout = conv_out_length(L, K, s, p)
        dims = conv_dims(shape, B)
        flops = 2.0 * B * Cout * Lout * (Cin // g) * K
        nbytes = 4.0 * (B * Cin * L + B * Cout * Lout + Cout * (Cin // g) * K)
        fns = conv_functions(torch, shape)
        wanted = [pn for pn in PASSES if not args.filter or args.filter in f"conv1d_{pn}/{tag}"]
        if not wanted:
            continue
        x, w, dy = randn(B, Cin, L), randn(Cout, Cin // g, K), randn(B, Cout, Lout)
        x64, w64, dy64 = x.double(), w.double(), dy.double()
        for pn in wanted:
            with torch.no_grad():
                ref = fns[pn](x64, w64, dy64)
            run_modes(f"conv1d_{pn}", tag, dims, fns[pn], (x, w, dy), ref, fp32_tol(pn), flops,
                      nbytes)
        del x, w, dy, x64, w64, dy64

    F = torch.nn.functional
    B, C, L = 256, 64, 250
    n = B * C * L
    M, N, K = 4096, 512, 512
    others = [  # (kernel, shape, fn, input shapes, flops, bytes) as in acl_bench
        ("relu_fwd", "256x64x250", lambda x: torch.relu(x), [(B, C, L)], n, 8.0 * n),
        ("batchnorm1d_train_fwd", "256x64x250",
         lambda x: F.batch_norm(x, None, None, training=True, eps=1e-5), [(B, C, L)], 6.0 * n,
         8.0 * n),
        ("max_pool1d_fwd_K3_s2_p1", "256x64x250",
         lambda x: F.max_pool1d(x, 3, 2, 1, return_indices=True)[0], [(B, C, L)],
         2.0 * B * C * 125, 4.0 * n + 8.0 * B * C * 125),
        ("gemm", "4096x512x512", lambda a, b: a @ b, [(M, K), (K, N)], 2.0 * M * N * K,
         4.0 * (M * K + K * N + M * N)),
        ("l2_normalize_fwd", "65536x128", lambda z: F.normalize(z, dim=1), [(65536, 128)],
         3.0 * 65536 * 128, 8.0 * 65536 * 128),
        ("log_softmax_fwd", "4096x71", lambda z: F.log_softmax(z, dim=1), [(4096, 71)],
         4.0 * 4096 * 71, 8.0 * 4096 * 71),
    ]
    for kernel, shape, fn, input_shapes, flops, nbytes in others:
        if args.filter and args.filter not in f"{kernel}/{shape}":
            continue
        inputs = [randn(*s) for s in input_shapes]
        with torch.no_grad():
            ref = fn(*[t.double() for t in inputs])
        run_modes(kernel, shape, shape, fn, inputs, ref, 1e-4, flops, nbytes,
                  matmul=kernel == "gemm")

    # The contrastive loss. contrastive_fwd: the loss from normalised rows zhat (acl_bench: the
    # fused forward kernel); contrastive_fwd_bwd: F.normalize, the loss and torch.autograd.grad
    # from the raw z (acl_bench: the engine's op, normalisation included). torch.compile wraps
    # the loss function; its backward is AOTAutograd's compiled graph.
    inv_tau = 1.0 / TAU

    def loss_from_zhat(zhat, ids):
        return contrastive_loss_torch(torch, zhat, ids, inv_tau)

    def loss_from_z(z, ids):
        return contrastive_loss_torch(torch, F.normalize(z, dim=1), ids, inv_tau)

    said_skip = False
    for tag, N, R, d in CONTRASTIVE_SHAPES:
        M = VIEWS * N * R
        kernels = [k for k in ("contrastive_fwd", "contrastive_fwd_bwd")
                   if not args.filter or args.filter in f"{k}/{tag}"]
        if not kernels or (args.quick and tag not in QUICK_CONTRASTIVE):
            continue
        if not bench.cuda and M > CPU_MAX_CONTRASTIVE_ROWS:
            if not said_skip:
                print(f"(contrastive shapes with M > {CPU_MAX_CONTRASTIVE_ROWS} run on CUDA only)")
                said_skip = True
            continue
        dims = contrastive_dims(N, R, d)
        z, ids = contrastive_inputs(torch, N, R, d, dev)
        zhat = F.normalize(z, dim=1)
        for kernel in kernels:
            flops, nbytes = contrastive_counts(M, d, kernel)
            if kernel == "contrastive_fwd":
                with torch.no_grad():
                    ref = contrastive_reference(torch, zhat, ids, inv_tau, normalise=False)
                fn = loss_from_zhat

                def call(f):
                    with torch.no_grad():
                        return f(zhat, ids)
            else:
                ref = contrastive_reference(torch, z, ids, inv_tau, normalise=True)
                ref = (ref[0].detach(), ref[1].detach())
                fn = loss_from_z

                def call(f):
                    zz = z.detach().requires_grad_(True)
                    loss = f(zz, ids)
                    (g,) = torch.autograd.grad(loss, zz)
                    return loss.detach(), g
            run_modes(kernel, tag, dims, fn, None, ref, CONTRASTIVE_TOL, flops, nbytes, call=call,
                      mem=True)
            del ref
        del z, ids, zhat
        if bench.cuda:
            torch.cuda.empty_cache()

    bench.close()
    if bench.failures:
        print(f"bench_torch: {bench.failures} row(s) failed")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
