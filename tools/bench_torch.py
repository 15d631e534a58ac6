#!/usr/bin/env python3
"""PyTorch yardstick for acl_bench: the same kernels on the same shapes, eager and torch.compile.

Timing mirrors acl_bench: warm-up calls, then repetitions each preceded by an L2 flush (a write to
a buffer twice the L2 size, outside the timed region), timed with CUDA events; the median is
printed with GB/s and TFLOP/s computed from the same minimum-traffic and FLOP counts. cuDNN runs
with cudnn.benchmark on; TF32 is off unless --tf32 (acl_bench's f32 kernels are IEEE f32).

    python3 tools/bench_torch.py [--filter conv1d] [--reps 10] [--warmup 3] [--no-compile]

Without PyTorch or without a CUDA device it says so and exits 0.
"""
import argparse
import statistics
import sys

# (tag, B, Cin, Cout, L, K, stride, pad, groups): kept equal to kConvShapes in tools/acl_bench.cpp
CONV_SHAPES = [
    ("resnet_stem_L1000", 256, 12, 64, 1000, 15, 2, 7, 1),
    ("resnet_stem_L2500", 256, 12, 64, 2500, 15, 2, 7, 1),
    ("resnet_s1", 256, 64, 64, 250, 7, 1, 3, 1),
    ("resnet_s2_down", 256, 64, 128, 250, 7, 2, 3, 1),
    ("resnet_s2", 256, 128, 128, 125, 7, 1, 3, 1),
    ("resnet_s3", 256, 256, 256, 63, 7, 1, 3, 1),
    ("resnet_s4", 256, 512, 512, 63, 7, 1, 3, 1),
    ("leadwise_b1", 256, 8, 64, 1000, 7, 1, 3, 8),
    ("leadwise_b2", 256, 64, 128, 500, 7, 1, 3, 8),
    ("leadwise_b3", 256, 128, 256, 250, 7, 1, 3, 8),
    ("leadwise_b4", 256, 256, 512, 125, 15, 1, 7, 8),
    ("leadwise_b5", 256, 512, 512, 63, 15, 1, 7, 8),
]


def conv_out_length(L, K, stride, pad, dil=1):
    return (L + 2 * pad - dil * (K - 1) - 1) // stride + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--filter", default="", help="only cases whose name contains this text")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--no-compile", action="store_true", help="eager only")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in cuDNN and cuBLAS")
    args = ap.parse_args()

    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("bench_torch: PyTorch is not installed; nothing to measure")
        return 0
    if not torch.cuda.is_available():
        print("bench_torch: no CUDA device; nothing to measure")
        return 0

    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    dev = torch.device("cuda")
    props = torch.cuda.get_device_properties(dev)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    flush = torch.empty(max(2 * l2, 64 << 20) // 4, dtype=torch.float32, device=dev)
    print(f"device: {props.name}, torch {torch.__version__}, cudnn "
          f"{torch.backends.cudnn.version()}, tf32={'on' if args.tf32 else 'off'}")
    print(f"{'kernel/shape':44s} {'mode':8s} {'median_ms':>10s} {'GB/s':>9s} {'TFLOP/s':>9s}")

    def median_ms(fn):
        for _ in range(args.warmup):
            fn()
        torch.cuda.synchronize()
        times = []
        for i in range(args.reps):
            flush.fill_(float(i))
            start = torch.cuda.Event(enable_timing=True)
            stop = torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop))
        return statistics.median(times)

    def report(name, mode, fn, flops, nbytes):
        try:
            ms = median_ms(fn)
        except Exception as e:  # a compile failure should not end the run
            print(f"{name:44s} {mode:8s} failed: {type(e).__name__}: {e}".splitlines()[0])
            return
        print(f"{name:44s} {mode:8s} {ms:10.4f} {nbytes / ms / 1e6:9.1f} "
              f"{flops / ms / 1e9:9.2f}", flush=True)

    def modes(fn):
        yield "eager", fn
        if not args.no_compile:
            yield "compile", torch.compile(fn, dynamic=False)

    def randn(*shape):
        return torch.randn(*shape, device=dev, dtype=torch.float32)

    conv_bwd = torch.ops.aten.convolution_backward
    for tag, B, Cin, Cout, L, K, s, p, g in CONV_SHAPES:
        Lout = conv_out_length(L, K, s, p)
        x, w, b = randn(B, Cin, L), randn(Cout, Cin // g, K), randn(Cout)
        dy = randn(B, Cout, Lout)
        flops = 2.0 * B * Cout * Lout * (Cin // g) * K
        nbytes = 4.0 * (B * Cin * L + B * Cout * Lout + Cout * (Cin // g) * K)
        cases = {
            "fwd": lambda x=x, w=w, b=b, s=s, p=p, g=g: F.conv1d(x, w, b, s, p, 1, g),
            "dgrad": lambda x=x, w=w, dy=dy, s=s, p=p, g=g: conv_bwd(
                dy, x, w, None, [s], [p], [1], False, [0], g, [True, False, False])[0],
            "wgrad": lambda x=x, w=w, dy=dy, s=s, p=p, g=g: conv_bwd(
                dy, x, w, [w.shape[0]], [s], [p], [1], False, [0], g, [False, True, True])[1],
        }
        for pass_name, fn in cases.items():
            name = f"conv1d_{pass_name}/{tag}"
            if args.filter and args.filter not in name:
                continue
            for mode, f in modes(fn):
                report(name, mode, f, flops, nbytes)

    B, C, L = 256, 64, 250
    n = B * C * L
    x = randn(B, C, L)
    M, N, K = 4096, 512, 512
    a, bm = randn(M, K), randn(K, N)
    z = randn(65536, 128)
    logits = randn(4096, 71)
    others = [
        ("relu_fwd/256x64x250", lambda: torch.relu(x), n, 8.0 * n),
        ("batchnorm1d_train_fwd/256x64x250",
         lambda: F.batch_norm(x, None, None, training=True, eps=1e-5), 6.0 * n, 8.0 * n),
        ("max_pool1d_fwd_K3_s2_p1/256x64x250",
         lambda: F.max_pool1d(x, 3, 2, 1, return_indices=True), 2.0 * B * C * 125,
         4.0 * n + 8.0 * B * C * 125),
        ("gemm_4096x512x512", lambda: a @ bm, 2.0 * M * N * K, 4.0 * (M * K + K * N + M * N)),
        ("l2_normalize_fwd/65536x128", lambda: F.normalize(z, dim=1), 3.0 * z.numel(),
         8.0 * z.numel()),
        ("log_softmax_fwd/4096x71", lambda: F.log_softmax(logits, dim=1), 4.0 * logits.numel(),
         8.0 * logits.numel()),
    ]
    for name, fn, flops, nbytes in others:
        if args.filter and args.filter not in name:
            continue
        for mode, f in modes(fn):
            report(name, mode, f, flops, nbytes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
