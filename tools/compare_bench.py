#!/usr/bin/env python3
"""Merges acl_bench and bench_torch.py CSV files into the markdown tables of docs/benchmarks.md.

    python3 tools/compare_bench.py acl.csv torch.csv [--out results.md]

Every input has the columns that `acl_bench --csv` and `bench_torch.py --csv` write. Rows are keyed
by (device kind, kernel, shape, dims); each implementation (impl column: acl, cudnn_fp32,
cudnn_tf32, torch_eager_fp32, torch_compile_fp32, torch_eager_tf32, torch_compile_tf32) becomes a
column. A cell is the median time in ms and, for the other implementations, that time over acl's,
"(1.23x)": above 1 acl is faster. Tables, per device kind (cuda, cpu):

  1. conv1d fwd + dgrad + wgrad per shape (the three medians summed; only when all three passes of
     that implementation passed their check), with the geometric mean and the minimum of each ratio
     over the encoder shapes (the extremes, tags small_* and large_*, are shown but left out): the
     figures DESIGN.md section 8 sets targets for.
  2. conv1d per pass.
  3. the pretraining kernels (contrastive_* and augment_view rows): each cell is the time, the
     ratio to acl's and the memory the call needs beyond its inputs (column mem_bytes: computed
     for acl, measured for PyTorch on CUDA; see kCsvHeader in tools/bench/report.h), next to the
     size of the M x M f32 similarity matrix a naive implementation stores; "oom" where PyTorch
     ran out of device memory.
  4. the other kernels.
Rows that failed their check, raised or ran out of memory are listed after the tables, never
averaged in. Rows of one device kind coming from different devices are flagged at the top of that
kind's section. The mem_bytes column may be absent (CSV files written before it existed).
"""
import argparse
import csv
import math
import sys
from collections import OrderedDict

COLUMNS = ["device", "kernel", "shape", "dims", "impl", "median_ms", "gbs", "tflops",
           "pct_peak_bw", "pct_peak_flops", "peak_kind", "check_error", "check_tol",
           "check_ref", "status", "note"]
OPTIONAL_COLUMNS = ["mem_bytes"]
IMPL_ORDER = ["acl", "cudnn_fp32", "cudnn_tf32", "torch_eager_fp32", "torch_compile_fp32",
              "torch_eager_tf32", "torch_compile_tf32"]
PASSES = ("fwd", "dgrad", "wgrad")
# Shapes outside the encoders (acl_bench's extremes): shown, but not in the means and minima.
EXTREME_PREFIXES = ("small_", "large_")
# Kernels of the pretraining step, shown in their own table.
PRETRAIN_PREFIXES = ("contrastive_", "augment_")


def read_rows(paths):
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"compare_bench: {path}: missing column(s) {', '.join(missing)}")
            for line, r in enumerate(reader, start=2):
                r["_where"] = f"{path}:{line}"
                for c in OPTIONAL_COLUMNS:
                    r[c] = r.get(c) or ""
                rows.append(r)
    return rows


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def fmt_ms(v):
    return "-" if not math.isfinite(v) else f"{v:.4g}"


def cell(ms, base):
    if not math.isfinite(ms):
        return "-"
    if not math.isfinite(base) or base <= 0:
        return fmt_ms(ms)
    return f"{fmt_ms(ms)} ({ms / base:.2f}x)"


def fmt_mib(nbytes):
    if not math.isfinite(nbytes):
        return ""
    return f"{nbytes / 2**20:.4g} MiB"


def matrix_mib(dims):
    """The M x M f32 matrix of a contrastive row's dims ("M4096 d128 ..."), or ""."""
    for part in dims.split():
        if part.startswith("M") and part[1:].isdigit():
            return fmt_mib(4.0 * int(part[1:]) ** 2)
    return ""


def ordered_impls(impls):
    known = [i for i in IMPL_ORDER if i in impls]
    return known + sorted(i for i in impls if i not in IMPL_ORDER)


def md_table(header, body):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in body]
    return out


class Section:
    """The rows of one device kind."""

    def __init__(self, kind):
        self.kind = kind
        self.devices = OrderedDict()  # device string -> None (ordered set)
        self.ms = {}                  # (kernel, shape, dims, impl) -> median ms of an ok row
        self.mem = {}                 # (kernel, shape, dims, impl) -> mem_bytes of an ok row
        self.status = {}              # (kernel, shape, dims, impl) -> status of a row
        self.keys = OrderedDict()     # (kernel, shape, dims) -> None, in input order
        self.impls = {}               # (kernel, shape, dims) -> set of impls with a row
        self.failed = []              # rows whose status is not ok
        self.warnings = []

    def add(self, r):
        self.devices[r["device"]] = None
        key = (r["kernel"], r["shape"], r["dims"])
        self.keys[key] = None
        self.impls.setdefault(key, set()).add(r["impl"])
        self.status[key + (r["impl"],)] = r["status"]
        if r["status"] != "ok":
            self.failed.append(r)
            return
        k = key + (r["impl"],)
        if k in self.ms:
            self.warnings.append(f"{r['_where']}: a second {r['impl']} row for "
                                 f"{r['kernel']}/{r['shape']}; the later one is used")
        self.ms[k] = number(r["median_ms"])
        self.mem[k] = number(r["mem_bytes"])

    def conv_shapes(self):
        shapes = OrderedDict()
        for kernel, shape, dims in self.keys:
            if kernel.startswith("conv1d_"):
                shapes[(shape, dims)] = None
        return list(shapes)

    def conv_total(self, shape, dims, impl):
        parts = [self.ms.get((f"conv1d_{p}", shape, dims, impl), math.nan) for p in PASSES]
        return sum(parts) if all(math.isfinite(v) for v in parts) else math.nan

    def others(self, keys):
        """The implementations other than acl that have a row for any of `keys`."""
        impls = set()
        for k in keys:
            impls |= self.impls[k]
        return [i for i in ordered_impls(impls) if i != "acl"]

    def pretrain_cell(self, key, impl, base):
        """time (ratio); memory -- or the status of a row without a time ("oom", ...)."""
        k = key + (impl,)
        ms = self.ms.get(k, math.nan)
        if not math.isfinite(ms):
            status = self.status.get(k)
            return status if status and status != "ok" else "-"
        mem = fmt_mib(self.mem.get(k, math.nan))
        return cell(ms, base) + (f"; {mem}" if mem else "")

    def label(self, kernel, shape, dims):
        """kernel/shape, with the dims when that pair occurs with several."""
        n = sum(1 for k, s, _ in self.keys if k == kernel and s == shape)
        return f"{kernel}/{shape}" + (f" [{dims}]" if n > 1 else "")

    def ms_table(self, title, keys, others):
        """A "#### title" section: per (kernel, shape, dims), acl's time and each of `others`'."""
        body = []
        for kernel, shape, dims in keys:
            base = self.ms.get((kernel, shape, dims, "acl"), math.nan)
            body.append([self.label(kernel, shape, dims), fmt_ms(base)] +
                        [cell(self.ms.get((kernel, shape, dims, i), math.nan), base)
                         for i in others])
        return [f"#### {title}", ""] + md_table(["kernel/shape", "acl"] + others, body) + [""]

    def render(self):
        impls = ordered_impls(set().union(*self.impls.values()))
        out = [f"### {self.kind}", ""]
        out += [f"- device: {d}" for d in self.devices]
        if len(self.devices) > 1:
            out += ["", "**Warning: these rows come from more than one device; ratios between "
                        "them compare different machines.**"]
        out.append("")
        if "acl" not in impls:
            out += ["(no acl rows: ratios are not computed)", ""]

        shapes = self.conv_shapes()
        conv_keys = [k for k in self.keys if k[0].startswith("conv1d_")]
        if shapes:
            others = self.others(conv_keys)
            out += ["#### conv1d fwd + dgrad + wgrad (ms, sum of the three medians; "
                    "(x) = time / acl's time, > 1: acl faster)", ""]
            body, logs, worst = [], {i: [] for i in others}, {}
            for shape, dims in shapes:
                base = self.conv_total(shape, dims, "acl")
                row = [shape, dims, fmt_ms(base)]
                for i in others:
                    t = self.conv_total(shape, dims, i)
                    row.append(cell(t, base))
                    encoder_shape = not shape.startswith(EXTREME_PREFIXES)
                    if encoder_shape and math.isfinite(t) and math.isfinite(base) and base > 0:
                        logs[i].append(math.log(t / base))
                        worst[i] = min(worst.get(i, math.inf), t / base)
                body.append(row)
            body.append(["**geometric mean** (encoder shapes)", "", ""] +
                        [f"{math.exp(sum(logs[i]) / len(logs[i])):.2f}x" if logs[i] else "-"
                         for i in others])
            body.append(["**minimum** (encoder shapes)", "", ""] +
                        [f"{worst[i]:.2f}x" if i in worst else "-" for i in others])
            body.append(["encoder shapes compared", "", ""] + [str(len(logs[i])) for i in others])
            out += md_table(["shape", "dims", "acl"] + others, body) + [""]

            out += self.ms_table("conv1d per pass (ms; (x) = time / acl's time)", conv_keys, others)

        pretrain = [k for k in self.keys if k[0].startswith(PRETRAIN_PREFIXES)]
        if pretrain:
            others = self.others(pretrain)
            out += ["#### pretraining kernels (ms; (x) = time / acl's time, > 1: acl faster; "
                    "memory the call needs beyond its inputs)", ""]
            body = []
            for key in pretrain:
                base = self.ms.get(key + ("acl",), math.nan)
                row = [self.label(*key), self.pretrain_cell(key, "acl", math.nan)]
                row += [self.pretrain_cell(key, i, base) for i in others]
                row.append(matrix_mib(key[2]) or "-")
                body.append(row)
            out += md_table(["kernel/shape", "acl"] + others + ["M x M f32"], body) + [""]

        rest = [k for k in self.keys
                if not k[0].startswith("conv1d_") and not k[0].startswith(PRETRAIN_PREFIXES)]
        if rest:
            out += self.ms_table("other kernels (ms; (x) = time / acl's time)", rest,
                                 self.others(rest))

        if self.failed:
            out += ["#### rows without a time (failed check, error or out of memory)", ""]
            body = [[self.label(r["kernel"], r["shape"], r["dims"]), r["impl"], r["status"],
                     r["check_error"] or "-", r["check_tol"] or "-", r["check_ref"] or "-",
                     (r["note"] or "").replace("|", "/")] for r in self.failed]
            out += md_table(["kernel/shape", "impl", "status", "check error", "tolerance",
                             "against", "note"], body) + [""]
        return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="+", help="CSV files from acl_bench --csv / bench_torch.py --csv")
    ap.add_argument("--out", default="", help="write the markdown here instead of stdout")
    args = ap.parse_args(argv)

    sections = OrderedDict()
    dims_seen = {}
    for r in read_rows(args.csv):
        kind = r["device"].split(":", 1)[0].strip() or "unknown"
        sections.setdefault(kind, Section(kind)).add(r)
        k = (kind, r["kernel"], r["shape"])
        if dims_seen.setdefault(k, r["dims"]) != r["dims"]:
            print(f"compare_bench: warning: {r['_where']}: {r['kernel']}/{r['shape']} has dims "
                  f"'{r['dims']}', elsewhere '{dims_seen[k]}' (kept as separate rows)",
                  file=sys.stderr)

    lines = []
    for s in sections.values():
        lines += s.render()
        for w in s.warnings:
            print(f"compare_bench: warning: {w}", file=sys.stderr)
    text = "\n".join(lines).rstrip() + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
