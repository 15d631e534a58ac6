#!/usr/bin/env bash
# The main job on the built-in synthetic data: prepare the dataset (once), pretrain ACL-ECG and the
# SimCLR baseline at the same budget, evaluate ACL-ECG, SimCLR and a random encoder by linear probe
# at 1 / 10 / 100 % of the labels, fine-tune ACL-ECG at 10 %, train the same encoder supervised at
# 10 % and 100 %, then write runs/quickstart/results.{json,md} and plots and print the table.
#
#   bash scripts/quickstart.sh [--fresh]
#
# Re-runs reuse the prepared cache and the finished pretraining runs (an interrupted one is
# resumed); --fresh moves runs/quickstart aside (runs/quickstart.prev-<time>) and starts over. A
# cache made by another version of the synthetic generator is moved aside
# (data_cache/synthetic.v<N>-<time>) and prepared anew, and runs/quickstart with it as with --fresh.
# Earlier results.json / results.md are moved to results.prev.* before the evaluations run.
# Environment: ACL_BUILD (default build/) is the build directory of scripts/setup.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${ACL_BUILD:-$root/build}"
out=runs/quickstart
cache=data_cache/synthetic
fresh=0
fresh_reason=--fresh
for arg in "$@"; do
  case "$arg" in
    --fresh) fresh=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "quickstart: unknown argument $arg (valid: --fresh)" >&2; exit 2 ;;
  esac
done
for t in acl_prepare acl_train acl_eval; do
  if [[ ! -x "$build/tools/$t" ]]; then
    echo "quickstart: $build/tools/$t not found: run bash scripts/setup.sh first" >&2
    exit 1
  fi
done

start=$(date +%s)
say() { printf '[quickstart %4ds] %s\n' "$(($(date +%s) - start))" "$*"; }

# ---- data
# A cache made by another version of the synthetic generator is moved aside, not reused.
if [[ -f $cache/index.json ]]; then
  want=$("$build/tools/acl_prepare" --generator-version)
  if have=$(python3 -c 'import json, sys
pre = json.load(open(sys.argv[1])).get("preprocessing", {})
print(pre.get("generator", {}).get("version", 1))' "$cache/index.json" 2>/dev/null); then
    if [[ $have != "$want" ]]; then
      aside="$cache.v$have-$(date +%Y%m%d-%H%M%S)"
      mv "$cache" "$aside"
      say "$cache was made by synthetic generator v$have, this build has v$want: moved it to $aside"
      if [[ -d $out ]]; then  # its encoders were pretrained on the old dataset
        fresh=1
        fresh_reason="a new dataset"
      fi
    fi
  else
    say "cannot read the generator version of $cache/index.json (python3 needed): reusing it"
  fi
fi
if [[ -f $cache/index.json ]]; then
  say "reusing the prepared dataset $cache"
else
  say "preparing 20,000 synthetic records into $cache"
  "$build/tools/acl_prepare" --synthetic 20000 --out "$cache"
fi

# ---- pretraining (same budget for both methods: configs/quickstart*.json)
if ((fresh)) && [[ -d $out ]]; then
  prev="$out.prev-$(date +%Y%m%d-%H%M%S)"
  mv "$out" "$prev"
  say "$fresh_reason: moved the earlier $out to $prev"
fi
mkdir -p "$out"
pretrain() {
  local name=$1 config=$2 dir=$out/$1
  if [[ -f $dir/encoder.safetensors ]]; then
    say "reusing the pretrained $name encoder $dir/encoder.safetensors (--fresh pretrains again)"
  elif [[ -f $dir/checkpoints/latest ]]; then
    say "continuing the interrupted $name pretraining in $dir"
    "$build/tools/acl_train" --resume "$dir"
  else
    say "pretraining $name ($config) into $dir"
    "$build/tools/acl_train" --config "$config" --out "$dir"
  fi
}
pretrain acl configs/quickstart.json
pretrain simclr configs/quickstart_simclr.json

# ---- evaluation
for f in results.json results.md; do
  if [[ -f $out/$f ]]; then
    mv "$out/$f" "$out/${f%.*}.prev.${f##*.}"
    say "moved the earlier $out/$f to $out/${f%.*}.prev.${f##*.}"
  fi
done
evaluate() {
  say "acl_eval $*"
  "$build/tools/acl_eval" --out "$out" --set data.cache="$cache" "$@"
}
evaluate --config configs/eval_linear_probe.json --set name=acl --set encoder.run=$out/acl
evaluate --config configs/eval_linear_probe.json --set name=simclr --set encoder.run=$out/simclr
evaluate --config configs/eval_linear_probe.json --set name=random_init \
  --set protocol=random_init --set encoder.run=$out/acl
evaluate --config configs/eval_finetune.json --set name=acl --set encoder.run=$out/acl
evaluate --config configs/eval_supervised.json --set name=supervised

# ---- plots and the table
if python3 -c "import matplotlib, numpy" 2>/dev/null; then
  python3 tools/plot_run.py "$out" --runs "$out/acl" "$out/simclr"
else
  say "python3 with matplotlib and numpy not found: no plots (pip install matplotlib numpy)"
fi
say "done in $(($(date +%s) - start)) s; $out/results.json, $out/results.md, $out/plots/"
echo
cat "$out/results.md"
