#!/usr/bin/env python3
"""Compares acl-ecg's AUROC and AUPRC with scikit-learn's on random data with many ties.

For each case it draws scores and labels (scores on a coarse grid, so that ties within and across
classes are common; some cases hold a class with no positive or no negative), writes them as the
CSV that tools/acl_metrics_check reads, runs it, and compares per class with
sklearn.metrics.roc_auc_score and average_precision_score, and the macro means over the classes
that have both labels. It also checks that the classes acl-ecg leaves out are exactly those.
Prints the largest absolute difference and exits with status 1 when it exceeds --tol.

    python3 tools/check_metrics_sklearn.py --exe build/tools/acl_metrics_check

Needs numpy and scikit-learn (pip install scikit-learn).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def make_case(rng: np.random.Generator, n: int, k: int, levels: int | None):
    prevalence = rng.uniform(0.02, 0.6, size=k)
    labels = (rng.uniform(size=(n, k)) < prevalence).astype(np.uint8)
    signal = rng.uniform(0.0, 2.0, size=k)
    scores = rng.normal(size=(n, k)) + labels * signal
    if levels is not None:  # a coarse grid: many tied scores
        lo, hi = scores.min(), scores.max()
        scores = np.round((scores - lo) / (hi - lo) * (levels - 1)) / (levels - 1)
    scores = scores.astype(np.float32)  # the tool reads float32 scores
    if k > 2 and rng.uniform() < 0.5:
        labels[:, 0] = 0  # a class without a positive
    if k > 3 and rng.uniform() < 0.5:
        labels[:, 1] = 1  # a class without a negative
    return scores, labels


def write_csv(path: str, scores: np.ndarray, labels: np.ndarray) -> None:
    n, k = scores.shape
    with open(path, "w") as f:
        f.write(",".join([f"score_{c}" for c in range(k)] + [f"label_{c}" for c in range(k)]))
        f.write("\n")
        for i in range(n):
            f.write(",".join([repr(float(s)) for s in scores[i]] + [str(int(v)) for v in labels[i]]))
            f.write("\n")


def compare(exe: str, scores: np.ndarray, labels: np.ndarray, tmp: str) -> float:
    path = os.path.join(tmp, "scores.csv")
    write_csv(path, scores, labels)
    out = json.loads(subprocess.run([exe, path], check=True, capture_output=True, text=True).stdout)
    k = scores.shape[1]
    used = [c for c in range(k) if 0 < labels[:, c].sum() < labels.shape[0]]
    if out["classes_used"] != used:
        raise SystemExit(f"classes used: acl-ecg {out['classes_used']}, expected {used}")
    worst = 0.0
    aucs, aps = [], []
    for c in used:
        y, s = labels[:, c], scores[:, c].astype(np.float64)
        auc, ap = roc_auc_score(y, s), average_precision_score(y, s)
        aucs.append(auc)
        aps.append(ap)
        worst = max(worst, abs(out["auroc"][c] - auc), abs(out["auprc"][c] - ap))
    for c in range(k):
        if c not in used and (out["auroc"][c] is not None or out["auprc"][c] is not None):
            raise SystemExit(f"class {c} is left out but has a value: {out['auroc'][c]}")
    if used:
        worst = max(worst, abs(out["macro_auroc"] - np.mean(aucs)),
                    abs(out["macro_auprc"] - np.mean(aps)))
    return worst


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--exe", default="build/tools/acl_metrics_check")
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tol", type=float, default=1e-9)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    worst, worst_case = 0.0, -1
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(args.cases):
            n = int(rng.integers(5, 3000))
            k = int(rng.integers(1, 8))
            levels = [2, 3, 10, 50, None][case % 5]
            scores, labels = make_case(rng, n, k, levels)
            diff = compare(args.exe, scores, labels, tmp)
            if diff > worst:
                worst, worst_case = diff, case
        # All scores equal: AUROC 0.5, AP = prevalence.
        labels = (rng.uniform(size=(400, 3)) < 0.3).astype(np.uint8)
        diff = compare(args.exe, np.full((400, 3), 0.5, np.float32), labels, tmp)
        if diff > worst:
            worst, worst_case = diff, args.cases
    print(f"{args.cases + 1} cases: max |acl-ecg - scikit-learn| = {worst:.3g} "
          f"(case {worst_case}; tolerance {args.tol:g})")
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
