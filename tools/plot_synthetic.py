#!/usr/bin/env python3
"""Standard 12-lead pictures of the example records written by acl_synth_examples.

    python3 tools/plot_synthetic.py DIR [--out docs/img/synthetic/] [--dpi 120]

DIR holds examples.json and one CSV per label (t_s,I,II,III,aVR,aVL,aVF,V1..V6 in mV). Writes
<label>.png per example: the 12 leads in the standard 4 x 3 layout (I aVR V1 V4 / II aVL V2 V5 /
III aVF V3 V6), each column 2.5 s of the same record in sequence, and a 10 s lead II rhythm strip
below; on ECG paper at 25 mm/s and 10 mm/mV (1 mm minor and 5 mm major lines). Drawn in mm with
an equal aspect, so grid squares are square; the row height fits the largest deflection.
"""
import argparse
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MM_PER_S = 25.0
MM_PER_MV = 10.0
LAYOUT = [["I", "aVR", "V1", "V4"], ["II", "aVL", "V2", "V5"], ["III", "aVF", "V3", "V6"]]
RHYTHM_LEAD = "II"
COLUMN_S = 2.5
MARGIN_MM = 4.0
TITLE_MM = 14.0
MINOR_COLOR = "#f7c9d4"
MAJOR_COLOR = "#e88aa2"


def read_csv(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        data = np.array([[float(v) for v in row] for row in reader if row])
    if header[0] != "t_s" or data.ndim != 2 or data.shape[1] != len(header):
        sys.exit(f"{path}: expected a header t_s,<12 lead names> and one value per column")
    return data[:, 0], {name: data[:, i] for i, name in enumerate(header) if i > 0}


def row_height_mm(t, leads, duration):
    """Height of every row: the largest peak-to-peak of a row's shown segments, in 5 mm steps."""
    spans = []
    for row in LAYOUT:
        lo, hi = 0.0, 0.0
        for c, name in enumerate(row):
            sel = (t >= c * COLUMN_S) & (t < (c + 1) * COLUMN_S)
            lo, hi = min(lo, leads[name][sel].min()), max(hi, leads[name][sel].max())
        spans.append((lo, hi))
    r = leads[RHYTHM_LEAD][t < duration]
    spans.append((min(0.0, r.min()), max(0.0, r.max())))
    need = max(hi - lo for lo, hi in spans) * MM_PER_MV + 8.0
    return max(25.0, 5.0 * math.ceil(need / 5.0)), spans


def draw_grid(ax, width, height):
    for x in np.arange(0, width + 0.01, 1.0):
        major = abs(x / 5.0 - round(x / 5.0)) < 1e-6
        ax.axvline(x, color=MAJOR_COLOR if major else MINOR_COLOR, lw=0.6 if major else 0.3,
                   zorder=0)
    for y in np.arange(0, height + 0.01, 1.0):
        major = abs(y / 5.0 - round(y / 5.0)) < 1e-6
        ax.axhline(y, color=MAJOR_COLOR if major else MINOR_COLOR, lw=0.6 if major else 0.3,
                   zorder=0)


def plot_record(csv_path, label, example, out_path, dpi):
    t, leads = read_csv(csv_path)
    missing = [n for row in LAYOUT for n in row if n not in leads]
    if missing:
        sys.exit(f"{csv_path}: missing lead columns {missing}")
    duration = len(LAYOUT[0]) * COLUMN_S
    if t[-1] < duration - 0.1:
        sys.exit(f"{csv_path}: record is {t[-1]:.2f} s long, the layout needs {duration:.1f} s")
    h, spans = row_height_mm(t, leads, duration)
    width = duration * MM_PER_S
    height = h * (len(LAYOUT) + 1)
    fig_w = width + 2 * MARGIN_MM
    fig_h = height + MARGIN_MM + TITLE_MM
    fig = plt.figure(figsize=(fig_w / 25.4, fig_h / 25.4))
    ax = fig.add_axes([MARGIN_MM / fig_w, MARGIN_MM / fig_h, width / fig_w, height / fig_h])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    draw_grid(ax, width, height)

    def trace(name, t0, t1, row, lo_hi):
        sel = (t >= t0) & (t < t1)
        lo, hi = lo_hi
        base = height - (row + 0.5) * h - 0.5 * (lo + hi) * MM_PER_MV
        ax.plot(t[sel] * MM_PER_S, base + leads[name][sel] * MM_PER_MV, color="black", lw=0.7,
                zorder=2)
        ax.text(t0 * MM_PER_S + 1.0, height - row * h - 2.0, name, fontsize=7, va="top",
                zorder=3)

    for r, row in enumerate(LAYOUT):
        for c, name in enumerate(row):
            trace(name, c * COLUMN_S, (c + 1) * COLUMN_S, r, spans[r])
            if c > 0:
                y = height - (r + 0.5) * h
                ax.plot([c * COLUMN_S * MM_PER_S] * 2, [y - 3, y + 3], color="black", lw=0.8)
    trace(RHYTHM_LEAD, 0.0, duration, len(LAYOUT), spans[-1])
    fig.text(MARGIN_MM / fig_w, 1 - 5 / fig_h, f"{label}", fontsize=11, weight="bold", va="top")
    who = f"record {example['index']}"
    if "patient" in example:
        who += f", patient {example['patient']}"
    if "visit" in example:
        who += f" (visit {example['visit']})"
    fig.text(MARGIN_MM / fig_w, 1 - 10.5 / fig_h,
             f"{who}; labels: {', '.join(example['labels'])}; 25 mm/s, 10 mm/mV", fontsize=8,
             va="top")
    fig.savefig(out_path, dpi=dpi)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("dir", help="directory written by acl_synth_examples")
    ap.add_argument("--out", default="docs/img/synthetic/", help="output directory for the PNGs")
    ap.add_argument("--dpi", type=int, default=120)
    args = ap.parse_args()
    index_path = os.path.join(args.dir, "examples.json")
    with open(index_path) as f:
        index = json.load(f)
    if "examples" not in index:
        sys.exit(f"{index_path}: no 'examples' key")
    os.makedirs(args.out, exist_ok=True)
    for label, e in index["examples"].items():
        out = os.path.join(args.out, f"{label}.png")
        plot_record(os.path.join(args.dir, e["file"]), label, e, out, args.dpi)
        print(f"wrote {out}")
    for label in index.get("not_found", []):
        print(f"no example record for {label}")


if __name__ == "__main__":
    main()
