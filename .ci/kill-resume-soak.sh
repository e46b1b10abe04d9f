#!/usr/bin/env bash
# Crash-safety soak (manual; CI does not run it, it takes a few minutes): trains a tiny model once
# without interruption, then again while killing `delineo train` with SIGKILL at random moments and
# resuming each time, and checks that
#   - every resume succeeds (each checkpoint left behind loads),
#   - the final weights are byte-identical to the uninterrupted run's,
#   - metrics.jsonl holds each evaluation step exactly once, with the uninterrupted run's values.
# Usage: .ci/kill-resume-soak.sh [KILLS] [SEED]     (defaults: 8 kills, seed 1)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
kills="${1:-8}"
RANDOM="${2:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cli() { "$root/delineo" "$@"; }

cli data synth --kind scenes2d --out "$work/data" --cases 24 --seed 3 >/dev/null
cat > "$work/soak.pbtxt" <<EOF
name: "soak"
model { unet { channels: [8, 16, 32, 64, 128] encoder_dropout: [0, 0, 0, 0, 0] } }
data { layout: SYNTHETIC_SCENES2D root: "$work/data" batch_size: 4 num_workers: 2 augmentation { flip_prob: 0.5 } }
optimizer { adamw {} lr: 0.005 }
schedule { total_steps: 240 warmup_steps: 5 }
eval { interval_steps: 40 }
checkpoint { interval_steps: 7 keep_last: 2 }
runtime { seed: 1 intra_op_threads: 2 inter_op_threads: 2 log_interval_steps: 1 }
EOF

echo "uninterrupted run..."
cli train --config "$work/soak.pbtxt" --workdir "$work/ref" >"$work/ref.log" 2>&1
final="checkpoints/ckpt-240"

done_killing=0
started=0
attempt=0
while [[ ! -d "$work/killed/$final" ]]; do
  attempt=$((attempt + 1))
  if [[ -n "$(ls "$work/killed/checkpoints" 2>/dev/null | grep '^ckpt-' || true)" ]]; then
    args=(train --resume --workdir "$work/killed")
  else
    rm -rf "$work/killed" # killed before its first checkpoint: start afresh
    args=(train --config "$work/soak.pbtxt" --workdir "$work/killed")
  fi
  "$root/delineo" "${args[@]}" >>"$work/killed.log" 2>&1 &
  pid=$!
  if ((done_killing < kills)); then
    # JVM start, graph build and restore take ~5 s; kill anywhere from then to a few seconds into training.
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 4 + (r % 800) / 100 }')"
    if kill -9 "$pid" 2>/dev/null; then
      done_killing=$((done_killing + 1))
      step="$(ls "$work/killed/checkpoints" 2>/dev/null | sed -n 's/^ckpt-//p' | sort -n | tail -1)"
      echo "kill $done_killing (attempt $attempt): latest complete checkpoint ${step:-none}"
    fi
    wait "$pid" 2>/dev/null || true
  else
    wait "$pid" || { echo "FAIL: resume after $done_killing kills exited non-zero"; tail -5 "$work/killed.log"; exit 1; }
  fi
done

cmp "$work/ref/$final/variables.data-00000-of-00001" "$work/killed/$final/variables.data-00000-of-00001" \
  || { echo "FAIL: final weights differ from the uninterrupted run"; exit 1; }
steps() { sed -n 's/.*"step":\([0-9]*\).*/\1/p' "$1/metrics.jsonl"; }
if [[ "$(steps "$work/ref")" != "$(steps "$work/killed")" ]]; then
  echo "FAIL: metrics.jsonl steps differ: $(steps "$work/killed" | tr '\n' ' ') vs $(steps "$work/ref" | tr '\n' ' ')"
  exit 1
fi
# Time and input-wait fraction differ between runs; the loss and the validation metrics must not.
values() { grep -o '"\(step\|train/loss\|val/mIoU\|val/mDice\)":[^,}]*' "$1/metrics.jsonl"; }
cmp <(values "$work/ref") <(values "$work/killed") || { echo "FAIL: metrics.jsonl values differ"; exit 1; }
echo "PASS: $done_killing kills survived in $attempt launches; final weights byte-identical; each evaluation recorded once"
