#!/usr/bin/env python3
"""Plots of an evaluation directory (acl_eval's results.json) and its pretraining runs.

    python3 tools/plot_run.py RESULTS_DIR [--runs RUN_DIR ...] [--out DIR]

Writes PNGs (matplotlib, Agg) into --out (default RESULTS_DIR/plots):
  pretraining.png       loss and contrastive accuracy vs step of each run's metrics.jsonl
  label_efficiency.png  macro AUROC (mean +- sd over draws) vs label fraction, per method/protocol
  roc_pr.png            ROC and precision-recall curves per class of the best model (highest macro
                        AUROC at the largest label fraction; test_scores_<method>_<protocol>.csv,
                        the first draw)
Curves are computed here with numpy (ROC: every distinct threshold; PR: step-wise, as average
precision).
"""
import argparse
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_metrics(run):
    rows = []
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def plot_pretraining(runs, out):
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for i, run in enumerate(runs):
        m = read_metrics(run)
        name = os.path.basename(os.path.normpath(run))
        color = f"C{i}"
        step = [r["step"] for r in m]
        ax_loss.plot(step, [r["loss"] for r in m], color=color, label=f"{name} loss")
        for key, style in (("acc_global", "-"), ("acc_region", "--")):
            vals = [r.get(key) for r in m]
            if any(v is not None for v in vals):
                ax_acc.plot(step, [np.nan if v is None else v for v in vals], style, color=color,
                            label=f"{name} {key}")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.legend()
    ax_acc.set_xlabel("step")
    ax_acc.set_ylabel("contrastive accuracy")
    ax_acc.set_ylim(0, 1)
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_label_efficiency(rows, out):
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    groups = {}
    for r in rows:
        groups.setdefault((r["method"], r["protocol"]), []).append(r)
    markers = "osD^vP*X"
    for i, ((method, protocol), rs) in enumerate(groups.items()):
        rs = sorted(rs, key=lambda r: r["label_fraction"])
        x = [100 * r["label_fraction"] for r in rs]
        y = [r["macro_auroc"] if r["macro_auroc"] is not None else np.nan for r in rs]
        e = [r.get("macro_auroc_sd") or 0 for r in rs]
        ax.errorbar(x, y, yerr=e, marker=markers[i % len(markers)], capsize=3, alpha=0.85,
                    label=f"{method} ({protocol})")
    ax.set_xscale("log")
    ax.set_xlabel("labelled training records (%)")
    ax.set_ylabel("test macro AUROC")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def roc_pr(scores, labels):
    """ROC (fpr, tpr) and PR (recall, precision) over the distinct thresholds, high to low."""
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # last index of each distinct score
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    pos, neg = y.sum(), len(y) - y.sum()
    fpr = np.r_[0, fp / neg]
    tpr = np.r_[0, tp / pos]
    recall = np.r_[0, tp / pos]
    precision = np.r_[1, tp / (tp + fp)]
    return fpr, tpr, recall, precision


def plot_roc_pr(results_dir, rows, out):
    top = max(r["label_fraction"] for r in rows)
    best = max((r for r in rows if r["label_fraction"] == top and r["macro_auroc"] is not None),
               key=lambda r: r["macro_auroc"], default=None)
    if best is None:
        return None
    path = os.path.join(results_dir, f"test_scores_{best['method']}_{best['protocol']}.csv")
    if not os.path.exists(path):
        print(f"plot_run: {path} not found: no ROC/PR plot", file=sys.stderr)
        return None
    with open(path) as f:
        reader = csv.reader(f)
        header = next(reader)
        data = np.array([[float(v) for v in row] for row in reader])
    k = len(header) // 2
    names = [h[len("score_"):] for h in header[:k]]
    fig, (ax_roc, ax_pr) = plt.subplots(1, 2, figsize=(11, 4.5))
    for c in range(k):
        y = data[:, k + c]
        if y.sum() == 0 or y.sum() == len(y):
            continue  # a class without positives or negatives has no curve
        fpr, tpr, rec, prec = roc_pr(data[:, c], y)
        ax_roc.plot(fpr, tpr, label=names[c])
        ax_pr.step(rec, prec, where="post", label=names[c])
    ax_roc.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax_roc.set_xlabel("false positive rate")
    ax_roc.set_ylabel("true positive rate")
    ax_pr.set_xlabel("recall")
    ax_pr.set_ylabel("precision")
    title = f"{best['method']} ({best['protocol']}, {100 * top:g} % labels, first draw)"
    ax_roc.set_title("ROC: " + title, fontsize=9)
    ax_pr.set_title("PR: " + title, fontsize=9)
    ax_roc.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("results_dir")
    p.add_argument("--runs", nargs="*", default=[], help="pretraining run directories")
    p.add_argument("--out", help="output directory (default RESULTS_DIR/plots)")
    a = p.parse_args()
    out = a.out or os.path.join(a.results_dir, "plots")
    os.makedirs(out, exist_ok=True)
    results = os.path.join(a.results_dir, "results.json")
    if not os.path.exists(results):
        sys.exit(f"plot_run: {results} not found (acl_eval --out {a.results_dir} writes it)")
    with open(results) as f:
        rows = json.load(f)["rows"]
    written = []
    runs = [r for r in a.runs if os.path.exists(os.path.join(r, "metrics.jsonl"))]
    if runs:
        plot_pretraining(runs, os.path.join(out, "pretraining.png"))
        written.append("pretraining.png")
    if rows:
        plot_label_efficiency(rows, os.path.join(out, "label_efficiency.png"))
        written.append("label_efficiency.png")
        if plot_roc_pr(a.results_dir, rows, os.path.join(out, "roc_pr.png")):
            written.append("roc_pr.png")
    print("plots: " + ", ".join(os.path.join(out, w) for w in written))


if __name__ == "__main__":
    main()
