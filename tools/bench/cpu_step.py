#!/usr/bin/env python3
"""CPU training step, engine vs PyTorch, side by side in one run.

For each encoder (the quickstart lead-wise 8-16-32-32 of configs/quickstart.json, the default
lead-wise encoder, resnet1d18), each thread count (--threads, default 1,2) and each OpenBLAS core
type setting (OPENBLAS_CORETYPE as inherited, and unset; the two coincide when the environment does
not set it), it times:
  engine   tools/acl_train on the given config (its data cache, augmentations, heads, ACL loss and
           AdamW): records/s over the steps after --warmup, from the run's metrics.jsonl
           (samples_per_s of each log window after the warm-up, weighted by steps);
           ACL_NUM_THREADS = the thread count.
  torch    a PyTorch twin of the same step in a fresh process: the encoder of tools/torch_parity.py,
           a projection head (Linear-BN-ReLU-Linear), per-region heads on mean-pooled lead
           embeddings, the NT-Xent loss over the 2 x B views (global) and over the 2 x B x R region
           rows (tau from the config), AdamW; inputs are random (no data loading, no augmentation:
           the engine's records/s includes both). torch.set_num_threads = the thread count.
Both report peak RSS (the child's ru_maxrss). Then the per-op rows at each thread count: the
engine's CPU conv1d (acl_bench --device cpu, with oneDNN's dnnl and dnnl_blocked rows when acl_bench
was built with oneDNN) and PyTorch's (tools/bench_torch.py --device cpu) on the default lead-wise
encoder's shapes at --op-batch and on resnet1d18's shapes of this step (r18_step, batch 128),
joined by tools/compare_bench.py (skipped with --no-ops or when acl_bench is not built).

    python3 tools/bench/cpu_step.py --build build --data data_cache/synthetic [--threads 1,2]
        [--steps 40] [--warmup 10] [--quick] [--no-ops] [--python PYTHON]

--data is the quickstart cache (./build/tools/acl_prepare --synthetic 20000 --out DIR makes one).
--python runs the PyTorch side with another interpreter (a venv holding torch); without torch that
side prints 'no torch' and the engine rows still run. The default run takes about 6-8 minutes on a
2-core machine (resnet1d18 uses fewer steps); --quick about 2.
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

ENCODERS = {
    # name: (encoder config, steps scale)
    "quickstart": (None, 1.0),  # as in configs/quickstart.json
    "leadwise_default": ({"type": "leadwise"}, 1.0),
    "resnet1d18": ({"type": "resnet1d18"}, 0.25),  # global loss only (no lead embeddings)
}


def op_shapes(op_batch):
    """(acl_bench --filter tag, batch) of the per-op rows: the default lead-wise encoder's shapes
    at --op-batch and resnet1d18's on this step (r18_step, 2 x 64 views)."""
    return [("lw8_100hz", op_batch), ("r18_step", 128)]


def load_quickstart():
    with open(os.path.join(ROOT, "configs", "quickstart.json")) as f:
        return json.load(f)


def step_config(encoder_name, data, steps, log_every):
    cfg = load_quickstart()
    enc, _ = ENCODERS[encoder_name]
    if enc is not None:
        cfg["model"]["encoder"] = copy.deepcopy(enc)
    if cfg["model"]["encoder"]["type"] != "leadwise":  # regions pool lead embeddings
        cfg["objective"]["lambda_r"] = 0.0
        cfg["model"]["heads"].pop("region", None)
    cfg["data"]["cache"] = os.path.abspath(data)
    sched = cfg["optimizer"].setdefault("schedule", {})
    sched["warmup_steps"] = min(sched.get("warmup_steps", 100), steps)
    cfg["train"].update({"steps": steps, "log_every": log_every, "checkpoint_every": 100000,
                         "keep_checkpoints": 1, "device": "cpu"})
    return cfg


def peak_rss_of(cmd, env, cwd=None):
    """Runs cmd under its own wait4 so its peak RSS is its own."""
    pid = os.fork()
    if pid == 0:
        try:
            if cwd:
                os.chdir(cwd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            log = os.open(env["_BENCH_LOG"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.close(devnull)
            e = {k: v for k, v in env.items() if k != "_BENCH_LOG"}
            os.execvpe(cmd[0], cmd, e)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), ru.ru_maxrss / 1024.0


def engine_run(build, encoder_name, data, threads, env_base, steps, warmup, workdir):
    log_every = warmup
    cfg = step_config(encoder_name, data, steps, log_every)
    cfg_path = os.path.join(workdir, f"{encoder_name}.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    out_dir = os.path.join(workdir, f"run_{encoder_name}_{threads}_{len(os.listdir(workdir))}")
    env = dict(env_base)
    env["ACL_NUM_THREADS"] = str(threads)
    env["_BENCH_LOG"] = out_dir + ".log"
    exe = os.path.join(build, "tools", "acl_train")
    rc, rss = peak_rss_of([exe, "--config", cfg_path, "--out", out_dir, "--quiet"], env)
    if rc != 0:
        with open(env["_BENCH_LOG"]) as f:
            tail = f.read()[-800:]
        return {"error": f"acl_train exit {rc}: {tail}"}
    rows = [json.loads(l) for l in open(os.path.join(out_dir, "metrics.jsonl")) if l.strip()]
    rows = [r for r in rows if "samples_per_s" in r and r["step"] > warmup]
    if not rows:
        return {"error": "no metrics after the warm-up"}
    # samples_per_s covers one log window of log_every steps: average the windows' step times.
    sec_per_step = sum(1.0 / r["samples_per_s"] for r in rows) / len(rows)
    return {"records_s": 1.0 / sec_per_step, "rss_mib": rss}


TORCH_WORKER = r'''
import json, os, sys, time
cfg = json.loads(sys.argv[1]); threads = int(sys.argv[2]); steps = int(sys.argv[3])
warmup = int(sys.argv[4])
import torch
torch.set_num_threads(threads)
torch.manual_seed(0)
sys.path.insert(0, os.path.join(sys.argv[5], "tools"))
from torch_parity import make_encoder, resolve_config
import torch.nn as nn, torch.nn.functional as F
enc_cfg = resolve_config(cfg["model"]["encoder"])
enc = make_encoder(cfg["model"]["encoder"])
leads = enc_cfg["leads"]
NAMES = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
REGIONS = [["II", "III", "aVF"], ["V1", "V2"], ["V3", "V4"], ["I", "aVL", "V5", "V6"]]
pos = {NAMES[l]: i for i, l in enumerate(leads)}
regions = [[pos[n] for n in r if n in pos] for r in REGIONS]
regions = [r for r in regions if r]
B = cfg["train"]["batch_size"]; L = cfg["data"]["view_length"]
tau = cfg["objective"]["tau"]
heads = cfg["model"]["heads"]
def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h, bias=False), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, o))
with torch.no_grad():
    x0 = torch.randn(2, 12, L)
    enc.eval(); emb_dim = enc(x0).shape[1]; enc.train()
lead_dim = enc.feature_dim if hasattr(enc, "feature_dim") else None
proj = mlp(emb_dim, heads["projection"]["hidden_dim"], heads["projection"]["out_dim"])
params = list(enc.parameters()) + list(proj.parameters())
rh = None
if "region" in heads and lead_dim is not None and cfg["objective"]["lambda_r"] > 0:
    r = heads["region"]
    rh = nn.ModuleList([mlp(lead_dim, r["hidden_dim"], r["out_dim"]) for _ in regions])
    params += list(rh.parameters())
opt = torch.optim.AdamW(params, lr=cfg["optimizer"]["lr"], weight_decay=cfg["optimizer"]["weight_decay"])
def nt_xent(z, ids):
    z = F.normalize(z, dim=1)
    s = z @ z.t() / tau
    eye = torch.eye(len(ids), dtype=torch.bool)
    s = s.masked_fill(eye, float("-inf"))
    pos = (ids[:, None] == ids[None, :]) & ~eye
    lse = torch.logsumexp(s, dim=1)
    return (lse - (s * pos).sum(1) / pos.sum(1)).mean()
ids = torch.arange(B).repeat(2)
x = torch.randn(2 * B, 12, L)
def step():
    opt.zero_grad(set_to_none=True)
    if rh is not None:
        le = enc.lead_embeddings(x)
        g = proj(le.reshape(le.shape[0], -1))
        zs = [h(le[:, r, :].mean(dim=1)) for h, r in zip(rh, regions)]
        zr = torch.cat(zs, 0)
        rid = torch.cat([ids + k * B for k in range(len(zs))])
        loss = nt_xent(g, ids) + nt_xent(zr, rid)
    else:
        loss = nt_xent(proj(enc(x)), ids)
    loss.backward()
    opt.step()
for _ in range(warmup):
    step()
t0 = time.perf_counter()
for _ in range(steps - warmup):
    step()
dt = time.perf_counter() - t0
print(json.dumps({"records_s": B * (steps - warmup) / dt}))
'''


def torch_run(python, encoder_name, data, threads, env_base, steps, warmup, workdir):
    cfg = step_config(encoder_name, data, steps, warmup)
    env = dict(env_base)
    env["OMP_NUM_THREADS"] = str(threads)
    log = os.path.join(workdir, f"torch_{encoder_name}_{threads}_{len(os.listdir(workdir))}.log")
    env["_BENCH_LOG"] = log
    rc, rss = peak_rss_of([python, "-c", TORCH_WORKER, json.dumps(cfg), str(threads), str(steps),
                           str(warmup), ROOT], env)
    text = open(log).read()
    if rc != 0:
        if "No module named 'torch'" in text:
            return {"error": "no torch"}
        return {"error": f"exit {rc}: {text[-600:]}"}
    res = json.loads(text.strip().splitlines()[-1])
    res["rss_mib"] = rss
    return res


def fmt(r, key, spec):
    return format(r[key], spec) if key in r else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory")
    ap.add_argument("--data", default=os.path.join(ROOT, "data_cache", "synthetic"),
                    help="the quickstart data cache")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--steps", type=int, default=40, help="steps per run (resnet1d18: a quarter)")
    ap.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    ap.add_argument("--encoders", default=",".join(ENCODERS), help="comma-separated subset")
    ap.add_argument("--quick", action="store_true", help="20 steps, 5 warm-up, quickstart only")
    ap.add_argument("--no-ops", action="store_true", help="skip the per-op conv1d rows")
    ap.add_argument("--op-batch", type=int, default=32, help="batch of the per-op conv1d rows")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the PyTorch side")
    a = ap.parse_args()
    if a.quick:
        a.steps, a.warmup, a.encoders = 20, 5, "quickstart"
    threads = [int(t) for t in a.threads.split(",")]
    if not os.path.isdir(a.data):
        sys.exit(f"--data {a.data}: no such directory (acl_prepare --synthetic 20000 --out DIR)")
    core = os.environ.get("OPENBLAS_CORETYPE")
    settings = [("set" if core else "inherited(unset)", dict(os.environ))]
    if core:
        unset = dict(os.environ)
        unset.pop("OPENBLAS_CORETYPE")
        settings.append(("unset", unset))
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    print(f"# CPU training step: engine vs PyTorch  ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    print(f"# commit {commit}, CPU {cpu}, {len(os.sched_getaffinity(0))} usable cores, "
          f"load average {os.getloadavg()[0]:.2f} at start, OPENBLAS_CORETYPE={core or '(unset)'}")
    print(f"# batch 64 x 2 views x 250 samples; {a.steps} steps ({a.warmup} warm-up), resnet1d18 "
          f"{max(2, int(a.steps * 0.25))} ({max(1, int(a.warmup * 0.25))} warm-up)")
    print()
    print("| encoder | threads | OPENBLAS_CORETYPE | engine records/s | torch records/s | "
          "engine/torch | engine peak RSS MiB | torch peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix="acl_cpu_step_") as wd:
        for enc in a.encoders.split(","):
            scale = ENCODERS[enc][1]
            steps = max(2, int(a.steps * scale))
            warmup = max(1, int(a.warmup * scale))
            for label, env in settings:
                for t in threads:
                    e = engine_run(a.build, enc, a.data, t, env, steps, warmup, wd)
                    p = torch_run(a.python, enc, a.data, t, env, steps, warmup, wd)
                    ratio = (f"{e['records_s'] / p['records_s']:.2f}x"
                             if "records_s" in e and "records_s" in p else "-")
                    note = "; ".join(x["error"] for x in (e, p) if "error" in x)
                    print(f"| {enc} | {t} | {label} | {fmt(e, 'records_s', '.0f')} | "
                          f"{fmt(p, 'records_s', '.0f')} | {ratio} | {fmt(e, 'rss_mib', '.0f')} | "
                          f"{fmt(p, 'rss_mib', '.0f')} |" + (f" {note}" if note else ""), flush=True)
    if not a.no_ops:
        bench = os.path.join(a.build, "tools", "acl_bench")
        if not os.path.exists(bench):
            bench = os.path.join(a.build, "tools", "bench", "acl_bench")
        if os.path.exists(bench):
            tmp = tempfile.mkdtemp(prefix="cpu_step_ops_")
            for t in threads:
                env = dict(os.environ)
                env["ACL_NUM_THREADS"] = str(t)
                for tag, batch in op_shapes(a.op_batch):
                    print(f"\n## per-op conv1d, {tag} shapes, batch {batch}, {t} thread(s)\n")
                    acl_csv = os.path.join(tmp, f"acl_{tag}_{t}.csv")
                    torch_csv = os.path.join(tmp, f"torch_{tag}_{t}.csv")
                    r = subprocess.run([bench, "--device", "cpu", "--filter", tag, "--batch",
                                        str(batch), "--reps", "5", "--warmup", "1", "--csv",
                                        acl_csv], env=env, capture_output=True, text=True)
                    if r.returncode != 0:
                        print("engine (acl_bench --device cpu) failed:")
                        print(r.stdout.strip()[-2000:] or r.stderr.strip()[-800:])
                    r = subprocess.run([a.python, os.path.join(ROOT, "tools", "bench_torch.py"),
                                        "--device", "cpu", "--filter", tag, "--batch", str(batch),
                                        "--threads", str(t), "--no-compile", "--reps", "5",
                                        "--warmup", "1", "--csv", torch_csv],
                                       env=env, capture_output=True, text=True)
                    if r.returncode != 0:
                        print("torch (bench_torch.py --device cpu) failed:")
                        print(r.stdout.strip()[-2000:] or r.stderr.strip()[-800:])
                    csvs = [c for c in (acl_csv, torch_csv) if os.path.exists(c)]
                    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools",
                                                                     "compare_bench.py")] + csvs,
                                       capture_output=True, text=True)
                    print(r.stdout.strip() or r.stderr.strip()[-800:])
        else:
            print(f"\n(per-op rows skipped: no acl_bench under {a.build})")
    print(f"\n# took {time.time() - t_start:.0f} s; load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
