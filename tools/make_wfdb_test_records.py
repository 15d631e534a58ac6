#!/usr/bin/env python3
"""Writes the small WFDB test records of tests/data/wfdb/ and their reference values.

Each record exercises one WFDB feature: format 8 (first differences), skew, several samples per
frame (multi-frequency), multi-segment records (fixed and variable layout, null segments) and the
FLAC formats 508/516/524. Records are written with wfdb-python's writer where it can (wrsamp) and
by hand where it cannot (format 8 bytes, skew, segment lists); the reference values are what
wfdb.rdrecord (wfdb-python 4.3) reads back, written to tests/data/wfdb/reference.csv:

  record,sig,lead,signal_fs,length,digital,physical

digital and physical list every sample of the signal at its own rate, separated by blanks
("nan" for a gap; digital is empty where wfdb-python gives no digital signal). Run once:

  pip install wfdb==4.3.1 && python3 tools/make_wfdb_test_records.py
"""
import csv
import os

import numpy as np
import wfdb

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "wfdb")
RNG = np.random.default_rng(17)


def ecg_like(n, amp, period):
    t = np.arange(n)
    return (amp * np.sin(2 * np.pi * t / period) + RNG.integers(-5, 6, n)).astype(np.int64)


def write_header(name, text):
    with open(os.path.join(OUT, name + ".hea"), "w") as f:
        f.write(text)


def checksum(v):
    return int(np.sum(np.asarray(v, dtype=np.int64))) & 0xFFFF


def make_format8():
    """Two signals, format 8: the file holds 8-bit first differences from the initial values."""
    n = 120
    init = [100, -40]
    sigs = []
    diffs = []
    for k in range(2):
        d = RNG.integers(-20, 21, n)
        d[0] = 0
        sigs.append(init[k] + np.cumsum(d))
        diffs.append(d)
    frames = np.stack(diffs, axis=1).reshape(-1).astype(np.int8)
    frames.tofile(os.path.join(OUT, "fmt8.dat"))
    lines = [f"fmt8 2 250 {n}"]
    for k, name in enumerate(["I", "II"]):
        lines.append(f"fmt8.dat 8 100/mV 8 0 {init[k]} {checksum(sigs[k])} 0 {name}")
    write_header("fmt8", "\n".join(lines) + "\n")


def make_skew():
    """Three format-16 signals in one file; signals 1 and 2 are stored 3 frames late
    (wfdb-python 4.3 reads a record only when all its non-zero skews are equal)."""
    n = 150
    d = np.stack([ecg_like(n, 300, 40 + 10 * k) for k in range(3)], axis=1)
    wfdb.wrsamp("skew", fs=360, units=["mV"] * 3, sig_name=["I", "II", "V1"], d_signal=d,
                fmt=["16"] * 3, adc_gain=[200.0] * 3, baseline=[0] * 3, write_dir=OUT)
    path = os.path.join(OUT, "skew.hea")
    lines = open(path).read().splitlines()
    lines[2] = lines[2].replace("skew.dat 16 ", "skew.dat 16:3 ", 1)
    lines[3] = lines[3].replace("skew.dat 16 ", "skew.dat 16:3 ", 1)
    write_header("skew", "\n".join(lines) + "\n")


def make_multifreq():
    """Samples per frame 1, 2 and 4 (fs 100 Hz: signals at 100, 200 and 400 Hz), format 16,
    and a second file in format 212 with 3 samples per frame."""
    n = 60
    spf = [1, 2, 4, 3]
    e = [ecg_like(n * k, 200, 25 * k) for k in spf]
    rec = wfdb.Record(record_name="multifreq", n_sig=4, fs=100, sig_len=n,
                      file_name=["multifreq.dat"] * 3 + ["multifreq_2.dat"],
                      fmt=["16", "16", "16", "212"], samps_per_frame=spf,
                      adc_gain=[200.0, 100.0, 50.0, 200.0], baseline=[0, 10, -5, 0],
                      units=["mV", "mV", "uV", "mV"], sig_name=["II", "V1", "V2", "PLETH"],
                      e_d_signal=[x.astype(np.int64) for x in e], adc_res=[16, 16, 16, 12],
                      adc_zero=[0] * 4, block_size=[0] * 4)
    rec.set_d_features(expanded=True)
    rec.wrsamp(expanded=True, write_dir=OUT)


def make_segments():
    """A fixed-layout record (2 segments; wfdb-python reads no gap in a fixed layout) and a variable-layout one (layout header,
    segments with different signals and gains, a null segment)."""
    fs = 250
    a = np.stack([ecg_like(80, 200, 30), ecg_like(80, 150, 35)], axis=1)
    b = np.stack([ecg_like(50, 210, 31), ecg_like(50, 140, 33)], axis=1)
    for name, d in (("fixseg_1", a), ("fixseg_2", b)):
        wfdb.wrsamp(name, fs=fs, units=["mV", "mV"], sig_name=["I", "II"], d_signal=d,
                    fmt=["16", "16"], adc_gain=[200.0, 200.0], baseline=[0, 0], write_dir=OUT)
    write_header("fixseg", f"fixseg/2 2 {fs} 130\nfixseg_1 80\nfixseg_2 50\n")

    c = np.stack([ecg_like(70, 200, 30), ecg_like(70, 150, 35)], axis=1)
    d = np.stack([ecg_like(40, 220, 28), ecg_like(40, 160, 29), ecg_like(40, 90, 21)], axis=1)
    wfdb.wrsamp("varseg_1", fs=fs, units=["mV", "mV"], sig_name=["II", "V1"], d_signal=c,
                fmt=["16", "16"], adc_gain=[200.0, 100.0], baseline=[0, 5], write_dir=OUT)
    wfdb.wrsamp("varseg_2", fs=fs, units=["mV", "mV", "mV"], sig_name=["V1", "I", "II"],
                d_signal=d, fmt=["212"] * 3, adc_gain=[400.0, 200.0, 100.0], baseline=[0, 0, 3],
                write_dir=OUT)
    write_header("varseg_layout", f"varseg_layout 3 {fs} 0\n"
                 "~ 0 200/mV 16 0 0 0 0 I\n~ 0 200/mV 16 0 0 0 0 II\n~ 0 100/mV 16 0 0 0 0 V1\n")
    write_header("varseg", f"varseg/4 3 {fs} 140\nvarseg_layout 0\nvarseg_1 70\n~ 30\nvarseg_2 40\n")


def make_flac():
    """One record per FLAC format: 508 (8-bit), 516 (16-bit, two signals), 524 (24-bit)."""
    n = 200
    for fmt, amp, name in (("508", 60, "flac508"), ("516", 3000, "flac516"),
                           ("524", 400000, "flac524")):
        nsig = 2 if fmt == "516" else 1
        d = np.stack([ecg_like(n, amp, 30 + 7 * k) for k in range(nsig)], axis=1)
        wfdb.wrsamp(name, fs=500, units=["mV"] * nsig, sig_name=["I", "II"][:nsig], d_signal=d,
                    fmt=[fmt] * nsig, adc_gain=[1000.0] * nsig, baseline=[0] * nsig,
                    write_dir=OUT)


def fmt_values(v, integer):
    if v is None:
        return ""
    out = []
    for x in v:
        if not integer and np.isnan(x):
            out.append("nan")
        else:
            out.append(str(int(x)) if integer else repr(float(x)))
    return " ".join(out)


def reference_rows(name):
    path = os.path.join(OUT, name)
    if name.endswith("seg"):
        rp = wfdb.rdrecord(path, m2s=True, physical=True)
        phys = [rp.p_signal[:, i] for i in range(rp.n_sig)]
        try:
            rd = wfdb.rdrecord(path, m2s=True, physical=False)
            dig = [rd.d_signal[:, i] for i in range(rd.n_sig)]
        except Exception:  # variable layout with differing gains has no single digital signal
            dig = [None] * rp.n_sig
        spf = [1] * rp.n_sig
    elif name == "multifreq":
        rp = wfdb.rdrecord(path, smooth_frames=False)
        rd = wfdb.rdrecord(path, smooth_frames=False, physical=False)
        phys, dig, spf = rp.e_p_signal, rd.e_d_signal, rp.samps_per_frame
    else:  # one sample per frame (wfdb-python's expanded reader cannot skew unequal skews)
        rp = wfdb.rdrecord(path)
        rd = wfdb.rdrecord(path, physical=False)
        phys = [rp.p_signal[:, i] for i in range(rp.n_sig)]
        dig = [rd.d_signal[:, i] for i in range(rd.n_sig)]
        spf = [1] * rp.n_sig
    for i in range(rp.n_sig):
        yield [name, i, rp.sig_name[i], rp.fs * spf[i], len(phys[i]),
               fmt_values(dig[i], True), fmt_values(phys[i], False)]


def main():
    os.makedirs(OUT, exist_ok=True)
    make_format8()
    make_skew()
    make_multifreq()
    make_segments()
    make_flac()
    names = ["fmt8", "skew", "multifreq", "fixseg", "varseg", "flac508", "flac516", "flac524"]
    with open(os.path.join(OUT, "reference.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["record", "sig", "lead", "signal_fs", "length", "digital", "physical"])
        for name in names:
            for row in reference_rows(name):
                w.writerow(row)


if __name__ == "__main__":
    main()
