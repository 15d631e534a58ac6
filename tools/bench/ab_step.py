#!/usr/bin/env python3
"""Two acl_train builds on the same training step, interleaved in one run (A B A B ...).

For each thread count (--threads) and each of --rounds rounds, runs build A then build B on the
quickstart config (tools/bench/cpu_step.py's step_config: its data cache, augmentations, heads,
loss and AdamW) and prints, per build and thread count, the median over rounds of
  records/s      from the run's metrics.jsonl after --warmup steps (as cpu_step.py),
  user s/step    the child's user CPU seconds over all its steps (start-up and warm-up included),
  sys s/step     the same for system time,
and whether the two builds logged the same losses (bit for bit, every logged step). Interleaving
keeps a machine shared with other work from favouring either build.

    python3 tools/bench/ab_step.py --a BUILD_A --b BUILD_B --data data_cache/synthetic
        [--threads 1,2] [--steps 60] [--warmup 10] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_step import step_config  # noqa: E402


def run_once(build, data, threads, steps, warmup, workdir, tag):
    cfg = step_config("quickstart", data, steps, warmup)
    cfg_path = os.path.join(workdir, "quickstart.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    out_dir = os.path.join(workdir, f"run_{tag}")
    env = dict(os.environ)
    env["ACL_NUM_THREADS"] = str(threads)
    exe = os.path.join(build, "tools", "acl_train")
    pid = os.fork()
    if pid == 0:
        try:
            log = os.open(out_dir + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.execve(exe, [exe, "--config", cfg_path, "--out", out_dir, "--quiet"], env)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{exe} failed: see {out_dir}.log")
    rows = [json.loads(l) for l in open(os.path.join(out_dir, "metrics.jsonl")) if l.strip()]
    timed = [r for r in rows if "samples_per_s" in r and r["step"] > warmup]
    sec_per_step = sum(1.0 / r["samples_per_s"] for r in timed) / len(timed)
    losses = [(r["step"], r["loss"]) for r in rows if "loss" in r]
    return {"records_s": 1.0 / sec_per_step, "user": ru.ru_utime / steps,
            "sys": ru.ru_stime / steps, "losses": losses}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True, help="build directory A (e.g. before a change)")
    ap.add_argument("--b", required=True, help="build directory B (e.g. after it)")
    ap.add_argument("--data", required=True, help="quickstart data cache")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--steps", type=int, default=60, help="steps per run")
    ap.add_argument("--warmup", type=int, default=10, help="steps before the timed ones")
    ap.add_argument("--rounds", type=int, default=3, help="A/B pairs per thread count")
    args = ap.parse_args()
    if args.steps <= args.warmup:
        sys.exit(f"--steps {args.steps} must exceed --warmup {args.warmup}")
    print(f"steps {args.steps}, warm-up {args.warmup}, {args.rounds} interleaved rounds; "
          f"A = {args.a}, B = {args.b}")
    print(f"{'threads':>7} {'build':>5} {'records/s':>10} {'user s/step':>12} {'sys s/step':>11}")
    with tempfile.TemporaryDirectory(prefix="acl_ab_") as work:
        for threads in [int(t) for t in args.threads.split(",")]:
            res = {"A": [], "B": []}
            for r in range(args.rounds):
                for name, build in (("A", args.a), ("B", args.b)):
                    res[name].append(run_once(build, args.data, threads, args.steps, args.warmup,
                                              work, f"{name}_{threads}_{r}"))
            for name in ("A", "B"):
                med = {k: statistics.median(x[k] for x in res[name])
                       for k in ("records_s", "user", "sys")}
                print(f"{threads:>7} {name:>5} {med['records_s']:>10.1f} {med['user']:>12.4f} "
                      f"{med['sys']:>11.4f}")
            for name in ("A", "B"):
                print(f"{threads:>7} {name:>5} records/s by round: "
                      + ", ".join(f"{x['records_s']:.0f}" for x in res[name]))
            same = all(x["losses"] == res["A"][0]["losses"] for x in res["A"] + res["B"])
            print(f"{threads:>7} losses A == B (every logged step, bit for bit): {same}")
            print(f"{threads:>7} B/A records/s: "
                  f"{statistics.median(x['records_s'] for x in res['B']) / statistics.median(x['records_s'] for x in res['A']):.3f}")


if __name__ == "__main__":
    main()
