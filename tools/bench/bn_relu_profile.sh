#!/bin/bash
# CPU time of batch norm + ReLU in the quickstart step, two acl_train builds alternating.
#
#   tools/bench/bn_relu_profile.sh BUILD_A BUILD_B CONFIG STEPS [ROUNDS] [THREADS]
#
# CONFIG is an acl_train config of STEPS steps (train.device cpu). Each round runs build A, then
# build B, under `perf record -e cpu-clock -F 2000` (sampled CPU time of all the process's
# threads; no hardware counters needed) with ACL_NUM_THREADS=THREADS (default 1), and prints per
# build the process's CPU ms per step (start-up included) and the CPU ms per step in the batch-norm
# + ReLU forward functions (statistics, normalise, ReLU forward) and backward functions (ReLU
# backward, gradient sums, apply), each as the share of samples times the process's CPU time.
# Needs perf (linux-perf) and perf_event_paranoid <= 2.
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n 2,12p "$0" >&2
  exit 2
fi
A=$1 B=$2 CONFIG=$3 STEPS=$4 ROUNDS=${5:-2} THREADS=${6:-1}
WORK=$(mktemp -d /tmp/acl_bn_relu_profile.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for r in $(seq 1 "$ROUNDS"); do
  for v in A B; do
    build=$A
    [ "$v" = B ] && build=$B
    ACL_NUM_THREADS=$THREADS perf record -q -e cpu-clock -F 2000 -o "$WORK/$v.data" -- \
      "$build/tools/acl_train" --config "$CONFIG" --out "$WORK/run_$v$r" --quiet >/dev/null 2>&1
    perf report -i "$WORK/$v.data" --no-children --sort symbol --stdio 2>/dev/null |
      grep -E "^ +[0-9]" > "$WORK/$v.txt"
    perf report -i "$WORK/$v.data" --stdio --sort comm 2>/dev/null > "$WORK/$v.head"
    python3 - "$v" "$r" "$STEPS" "$WORK/$v.txt" "$WORK/$v.head" <<'PY'
import re, sys
v, r, steps, txt, head = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
sec = int(re.search(r"Event count \(approx.\): (\d+)", open(head).read()).group(1)) / 1e9
fwd = bwd = 0.0
for line in open(txt):
    pct = float(line.split("%")[0])
    if re.search(r"row_sum<|row_sum_sq_dev|row_normalize|relu_forward_cpu|forward_train|apply_affine", line):
        fwd += pct
    elif re.search(r"row_grad_sums|row_backward_train|relu_backward_cpu|backward_train|channel_grad_sums", line):
        bwd += pct
ms = lambda p: p / 100 * sec / steps * 1e3
print(f"{v} round {r}: CPU {sec:.2f} s, {sec / steps * 1e3:.1f} ms/step; BN+ReLU forward "
      f"{ms(fwd):.1f} ms/step ({fwd:.1f} %), backward {ms(bwd):.1f} ms/step ({bwd:.1f} %)")
PY
  done
done
