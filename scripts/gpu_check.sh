#!/usr/bin/env bash
# The whole check of the CUDA backend on a GPU machine without a package registry, in one command:
#
#   bash scripts/gpu_check.sh OUTDIR
#
# from the repository root, with the dependencies in .deps/root (../shared/offline-build: run
# fetch-deps.sh where Debian's packages are reachable, then copy the tree with .deps/root). Stages:
#   build      configure (CUDA on, sm_90 only, ACL_MPI=OFF) and build everything in $ACL_GPU_BUILD
#   ctest      the whole suite, CUDA rows included (GPU tests skip when no GPU is usable)
#   bench_acl  acl_bench, every row (conv1d vs cuDNN, contrastive loss, augmentations), CSV
#   bench_torch_eager / bench_torch_compile   tools/bench_torch.py on the same shapes, CSV
#   compare    tools/compare_bench.py over the three CSV files
#   prepare    a synthetic cache of $ACL_GPU_RECORDS records
#   train_gpu  200 quickstart pretraining steps on CUDA; train_cpu: 40 steps on the CPU (samples/s
#              for comparison)
# Every stage runs under `timeout` (caps below, overridable as ACL_GPU_CAP_<STAGE>=seconds; the
# defaults add up to 9 minutes) and writes OUTDIR/<stage>.log; a failing stage never stops the
# script. OUTDIR/status.tsv lists stage, exit status (124: timed out) and seconds; OUTDIR/env.txt the
# device, driver, toolkit, PyTorch and commit. Exit status: 0 when every stage passed, else 1.
set -uo pipefail

if [[ $# -ne 1 || "$1" == -* ]]; then
  echo "usage: bash scripts/gpu_check.sh OUTDIR" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1" || exit 2
out="$(cd "$1" && pwd)"
build="${ACL_GPU_BUILD:-$root/build-gpu}"
jobs="${ACL_JOBS:-$(nproc)}"
records="${ACL_GPU_RECORDS:-2000}"
cd "$root" || exit 2

if [[ -f .deps/root/env.sh ]]; then
  # shellcheck disable=SC1091
  source .deps/root/env.sh
else
  echo "gpu_check: no .deps/root/env.sh; relying on system packages" | tee "$out/warnings.txt"
fi
if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

printf 'stage\tstatus\tseconds\n' >"$out/status.tsv"
has_gpu=0
nvidia-smi -L >/dev/null 2>&1 && has_gpu=1

# stage NAME DEFAULT_CAP COMMAND...: runs COMMAND under timeout, output in OUTDIR/NAME.log.
stage() {
  local name="$1" cap_default="$2"
  shift 2
  local var="ACL_GPU_CAP_${name^^}"
  local cap="${!var:-$cap_default}"
  local t0=$SECONDS rc
  echo "gpu_check: $name (at most ${cap}s)"
  timeout --kill-after=10 "$cap" "$@" >"$out/$name.log" 2>&1
  rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >>"$out/status.tsv"
  return "$rc"
}
# skip NAME REASON: records a stage that cannot run here.
skip() {
  echo "$2" >"$out/$1.log"
  printf '%s\tskipped\t0\n' "$1" >>"$out/status.tsv"
  echo "gpu_check: $1 skipped ($2)"
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (+ local changes)')"
  echo "host: $(hostname) cores: $(nproc)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null ||
    echo "nvidia-smi: no GPU"
  nvcc --version 2>&1 | tail -2
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
"cudnn", torch.backends.cudnn.version(), "available", torch.cuda.is_available())' 2>&1 | tail -1
} >"$out/env.txt"

# shellcheck disable=SC2016  # expanded by the inner bash
stage build 240 bash -c 'cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release -DACL_MPI=OFF \
  -DACL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build "$2" -j "$3"' _ "$root" "$build" "$jobs"
built=$?

if ((built == 0)); then
  # shellcheck disable=SC2016  # expanded by the inner bash
  stage ctest 150 bash -c 'cd "$1" && ctest --output-on-failure -j "$2" --timeout 120' _ "$build" "$jobs"
else
  skip ctest "build failed"
fi

bench="$build/tools/acl_bench"
if [[ -x "$bench" ]]; then
  if ((has_gpu)); then
    stage bench_acl 60 "$bench" --csv "$out/bench_acl.csv"
  else
    skip bench_acl "no GPU"
    stage bench_acl_list 10 "$bench" --list
  fi
else
  skip bench_acl "acl_bench was not built"
fi

if ((has_gpu)); then
  stage bench_torch_eager 45 python3 tools/bench_torch.py --no-compile --csv "$out/bench_torch_eager.csv"
  stage bench_torch_compile 45 python3 tools/bench_torch.py --filter conv1d --tf32 off \
    --csv "$out/bench_torch_compile.csv"
  csvs=()
  for f in "$out"/bench_acl.csv "$out"/bench_torch_eager.csv "$out"/bench_torch_compile.csv; do
    [[ -s "$f" ]] && csvs+=("$f")
  done
  if ((${#csvs[@]})); then
    stage compare 10 python3 tools/compare_bench.py "${csvs[@]}" --out "$out/bench_results.md"
  else
    skip compare "no benchmark CSV"
  fi
else
  skip bench_torch_eager "no GPU"
  stage bench_torch_list 10 python3 tools/bench_torch.py --list
fi

prepare="$build/tools/acl_prepare" train="$build/tools/acl_train"
cache="$out/synthetic_cache"
if [[ -x "$prepare" && -x "$train" ]]; then
  rm -rf "$cache" "$out/run_gpu" "$out/run_cpu"
  stage prepare 30 "$prepare" --synthetic "$records" --out "$cache"
  common=(--config configs/quickstart.json --set "data.cache=$cache" --set train.checkpoint_every=1000)
  if ((has_gpu)); then
    stage train_gpu 60 "$train" "${common[@]}" --out "$out/run_gpu" --set train.steps=200 \
      --set train.device=cuda
  else
    skip train_gpu "no GPU"
  fi
  stage train_cpu 50 "$train" "${common[@]}" --out "$out/run_cpu" --set train.steps=40 \
    --set train.device=cpu
else
  skip prepare "acl_prepare/acl_train were not built"
fi

# The last logged step's samples/s of a run directory, or "-".
samples_per_s() {
  local f="$1/metrics.jsonl"
  [[ -s "$f" ]] || {
    echo "-"
    return
  }
  python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read().splitlines()[-1]);
print("step %d: %.0f samples/s, loss %.4g, peak GPU memory %.0f MiB" % (r["step"],
r["samples_per_s"], r["loss"], r["gpu_mem_peak_bytes"] / 2**20))' "$f" 2>/dev/null || echo "-"
}

{
  echo "== gpu_check summary ($out)"
  cat "$out/env.txt"
  echo
  column -t -s $'\t' "$out/status.tsv" 2>/dev/null || cat "$out/status.tsv"
  echo
  if [[ -f "$out/ctest.log" ]]; then
    grep -E "tests passed|tests failed" "$out/ctest.log" | tail -1
    grep -E "^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Exception|Subprocess)" "$out/ctest.log"
    echo "skipped: $(grep -c "Skipped" "$out/ctest.log") (ctest rows marked Skipped)"
  fi
  for f in "$out"/bench_acl.csv "$out"/bench_torch_eager.csv "$out"/bench_torch_compile.csv; do
    [[ -s "$f" ]] && echo "$(basename "$f"): $(($(wc -l <"$f") - 1)) rows"
  done
  echo "pretraining GPU: $(samples_per_s "$out/run_gpu")"
  echo "pretraining CPU: $(samples_per_s "$out/run_cpu")"
} | tee "$out/summary.txt"

! awk -F'\t' 'NR > 1 && $2 != "0" && $2 != "skipped" { bad = 1 } END { exit !bad }' \
  "$out/status.tsv"
