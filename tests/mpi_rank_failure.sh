#!/usr/bin/env bash
# A rank of an `mpirun -np 2 acl_train` run fails mid-run; the job must end (no hang), with a
# non-zero status, within the time limit, and say which rank failed and why.
#   killed  rank 1 is killed (SIGKILL): mpirun ends the job naming rank 1
#   hung    rank 1 stops (SIGSTOP) without dying: rank 0's collective times out after
#           train.comm_timeout_s = 3 s, names itself, the collective and the silent rank 1, and
#           aborts the group
#   term    rank 1 alone gets SIGTERM: every rank stops at the same step (the stop flag is
#           all-gathered), rank 0 writes the checkpoint, status 128 + 15
# usage: mpi_rank_failure.sh MPIEXEC ACL_TRAIN ACL_PREPARE MODE
set -u
mpiexec=$1 train=$2 prepare=$3 mode=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$prepare" --synthetic 32 --out "$work/cache" > /dev/null 2>&1 || { echo "acl_prepare failed"; exit 1; }
cat > "$work/config.json" <<JSON
{"seed": 1,
 "data": {"cache": "$work/cache", "split": "all", "view_length": 128, "prefetch_batches": 2},
 "model": {"encoder": {"type": "leadwise", "leads": "independent",
                       "leadwise": {"channels": [4, 8], "kernel_size": 5}},
           "heads": {"projection": {"hidden_dim": 16, "out_dim": 16},
                     "region": {"hidden_dim": 16, "out_dim": 16}}},
 "objective": {"method": "acl"},
 "optimizer": {"name": "sgd", "lr": 0.01, "schedule": {"warmup_steps": 0}},
 "train": {"steps": 1000000, "batch_size": 4, "log_every": 1000, "checkpoint_every": 0,
           "device": "cpu", "comm_timeout_s": 3}}
JSON
case $mode in
  killed) signal=KILL ;;
  hung) signal=STOP ;;
  term) signal=TERM ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
limit=40
start=$(date +%s)
# Rank 1's shell starts a timer that signals the acl_train it execs into ($$) after 2 s.
timeout -s KILL $limit "$mpiexec" --allow-run-as-root --oversubscribe -np 2 bash -c \
  'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (sleep 2; kill -'$signal' $$) & fi
   exec "$0" --config "$1" --out "$2"' "$train" "$work/config.json" "$work/run" > "$work/log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
cat "$work/log"
echo "mpi_rank_failure $mode: exit status $rc after $elapsed s"
fail() { echo "FAIL ($mode): $*"; exit 1; }
[ $rc -eq 137 ] && [ $elapsed -ge $limit ] && fail "the job hung until the $limit s limit"
case $mode in
  killed)
    [ $rc -ne 0 ] || fail "exit status 0"
    grep -q "process rank 1 .*exited on signal 9" "$work/log" || fail "no message naming rank 1" ;;
  hung)
    [ $rc -ne 0 ] || fail "exit status 0"
    grep -q "rank 0 of 2 waited [0-9]* s (train.comm_timeout_s) for a peer that never joined" \
      "$work/log" || fail "no timeout message from rank 0"
    grep -q "rank 1 did not answer" "$work/log" || fail "the message does not name rank 1" ;;
  term)
    [ $rc -eq $((128 + 15)) ] || fail "exit status $rc, expected 143"
    grep -q "stopped by signal 15 after step" "$work/log" || fail "no stop message"
    ls "$work/run/checkpoints" | grep -q "^step_" || fail "no checkpoint written" ;;
esac
[ $elapsed -lt 30 ] || fail "took $elapsed s (expected < 30 s)"
echo "mpi_rank_failure $mode: ok"
