#!/usr/bin/env bash
# npm run model:build -> reproduce the default detector end to end:
#   corpus (Debian packages) -> training -> evaluation -> ONNX export + parity fixtures + model.json
#   -> model card -> WavLM-Base-sized random graph (models/.cache, not committed) -> onnxruntime parity check
#   -> held-out sources as clean WAV files through `realtone analyze` -> model card with that result.
# Deterministic with SEED (default 1234). Large intermediates live in models/.cache/ (git-ignored).
# Env: SEED, TRAIN_STEPS (default 30000), TRAIN_MINUTES (wall-clock cap, the LR schedule anneals on time when the
#      machine is slower; default: what BUILD_MINUTES leaves after the corpus and the stages after training, at most 66),
#      BUILD_MINUTES (default 85), TRAIN_LR (peak learning rate, default 3e-4),
#      TRAIN_BAND_BALANCE=1 (band-matched sampling of synthetic training clips, train.py),
#      CORPUS_BAND_MATCH (default 1: synthetic bands filled to the human band quotas of each split, corpus.py;
#      0: v4's corpus), CORPUS_ADDED=1 (also the sources added in Dec 2026: added_corpus.py; default 0, v5's corpus),
#      CORPUS_PROCESSED_AUG (processed-voice channels, channels.py; default: CORPUS_ADDED), PYTHON (default /usr/bin/python3), SKIP_CORPUS=1 (reuse corpus),
#      SKIP_BASE=1 (skip the base-size graph), REALTONE_NO_APT=1 (never apt-get install missing tools).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SEED=${SEED:-1234}
TRAIN_STEPS=${TRAIN_STEPS:-30000}
BUILD_MINUTES=${BUILD_MINUTES:-85}
PY=${PYTHON:-/usr/bin/python3}
CACHE="$ROOT/models/.cache"
LOG="$CACHE/model-build.log"
export OMP_NUM_THREADS=2 PYTHONHASHSEED="$SEED" PYTHONDONTWRITEBYTECODE=1
mkdir -p "$CACHE"
: > "$LOG"

APT_PKGS="python3-torch python3-torchaudio python3-onnx python3-numpy python3-scipy python3-soundfile \
espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-italp16k festvox-itapc16k \
festvox-czech-dita festvox-czech-krb festvox-czech-machac festvox-czech-ph festvox-suopuhe-lj \
festvox-suopuhe-mv festvox-hi-nsk festvox-mr-nsk festival-hi festival-mr sptk codec2 sox ffmpeg libopenblas0-openmp"
# festival-hi and festival-mr are only Recommends of the Hindi and Marathi voices: without them (apt-get
# --no-install-recommends) every Hindi and Marathi utterance fails with "could not open file hindi_phones.scm"
# the added sources (CORPUS_ADDED=1) need the HTS engine and its dictionary, and praat (main); their contrib voices are
# fetched by corpus.py itself through a private apt configuration
if [ "${CORPUS_ADDED:-0}" = 1 ]; then APT_PKGS="$APT_PKGS open-jtalk open-jtalk-mecab-naist-jdic praat"; fi
missing=""
for p in $APT_PKGS; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && [ -z "${REALTONE_NO_APT:-}" ]; then
    echo "[model-build] installing missing Debian packages:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
  else
    echo "[model-build] missing Debian packages:$missing (apt-get install them)" >&2
    exit 1
  fi
fi

# Float32 matmuls (all of a training step on a CPU without native bf16) go through OpenBLAS. Debian's default
# build runs its own pthreads, which fought torch's OpenMP threads on 2 cores (steps 1.7x slower than with
# OPENBLAS_NUM_THREADS=1). Its OpenMP build shares torch's thread pool instead, so GEMMs use both cores
# (measured on a 2-vCPU AVX2 EPYC, bench:train-step: 0.563 vs 0.580 s per 2 s step, 1.03x; 4 s steps about
# 1.07x; identical losses). It is picked for this build only, through the loader path; the system's BLAS
# alternative is left as it is.
OPENMP_BLAS=/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ -f "$OPENMP_BLAS/libblas.so.3" ]; then
  export LD_LIBRARY_PATH="$OPENMP_BLAS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPENBLAS_NUM_THREADS=2
  echo "[model-build] OpenBLAS: OpenMP build ($OPENMP_BLAS), 2 threads" | tee -a "$LOG"
else
  export OPENBLAS_NUM_THREADS=1
  echo "[model-build] OpenBLAS: default (pthreads) build, 1 thread" | tee -a "$LOG"
fi

declare -a TIMES=()
T_ALL=$(date +%s)
stage() {
  local name=$1
  shift
  local t0
  t0=$(date +%s)
  echo "[model-build] === $name: $*" | tee -a "$LOG"
  set +e
  "$@" 2>&1 | grep --line-buffered -v -E 'TracerWarning|UserWarning|^  (if|warnings\.warn|_C\._)' | tee -a "$LOG"
  local rc=${PIPESTATUS[0]}
  set -e
  local dt=$(($(date +%s) - t0))
  TIMES+=("$(printf '%-10s %5ds' "$name" "$dt")")
  echo "[model-build] === $name done in ${dt}s (rc=$rc)" | tee -a "$LOG"
  if [ "$rc" != 0 ]; then exit "$rc"; fi
}

T=models/training
if [ -z "${SKIP_CORPUS:-}" ] || [ ! -f "$CACHE/corpus/manifest.csv" ]; then
  rm -rf "$CACHE/corpus"
  stage corpus "$PY" $T/corpus.py --seed "$SEED" --out "$CACHE/corpus"
fi
rm -rf "$CACHE/train" "$CACHE/eval"
if [ -z "${TRAIN_MINUTES:-}" ]; then
  # The stages after training (evaluation, export, base-size graph, parity, CLI check) scale with the machine
  # like the corpus does: allow 0.75x the corpus time for them, at least 4 minutes (measured: 0.4-0.6x).
  t_corpus=$("$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["seconds"]))' "$CACHE/corpus/summary.json" 2>/dev/null || true)
  # no corpus/summary.json (a corpus from an older build): assume 10 minutes, and say so below
  t_corpus=${t_corpus:-600}
  TRAIN_MINUTES=$(( BUILD_MINUTES - ($(date +%s) - T_ALL) / 60 - (t_corpus * 3 / 4 > 240 ? t_corpus * 3 / 4 : 240) / 60 ))
  if [ "$TRAIN_MINUTES" -gt 66 ]; then TRAIN_MINUTES=66; fi
  if [ "$TRAIN_MINUTES" -lt 10 ]; then TRAIN_MINUTES=10; fi
  echo "[model-build] training capped at $TRAIN_MINUTES min (BUILD_MINUTES=$BUILD_MINUTES, corpus time taken as ${t_corpus}s)" | tee -a "$LOG"
fi
stage train "$PY" $T/train.py --seed "$SEED" --steps "$TRAIN_STEPS" --max-minutes "$TRAIN_MINUTES" --out "$CACHE/train"
stage evaluate "$PY" $T/evaluate.py --seed "$SEED" --out "$CACHE/eval"
stage export "$PY" $T/export.py --seed "$SEED"
stage card "$PY" $T/make_card.py
if [ -z "${SKIP_BASE:-}" ]; then
  stage base-size "$PY" $T/build_base_size.py --seed "$SEED"
fi
if command -v node >/dev/null && [ -d node_modules/onnxruntime-node ]; then
  stage ort-parity node $T/verify_onnx.mjs models/realtone-wavlm-small
  if [ -z "${SKIP_BASE:-}" ]; then stage ort-base node $T/verify_onnx.mjs models/.cache/wavlm-base-random; fi
  # clean 3-8 s WAVs of the held-out sources through `realtone analyze`, then the card again with that result
  stage cli-heldout "$PY" $T/cli_heldout.py --seed "$SEED" --model models/realtone-wavlm-small/model.json
  stage card "$PY" $T/make_card.py
else
  echo "[model-build] onnxruntime-node not installed (npm ci): skipping the ORT parity check" | tee -a "$LOG"
fi

echo "[model-build] stage timings:" | tee -a "$LOG"
for t in "${TIMES[@]}"; do echo "  $t" | tee -a "$LOG"; done
echo "[model-build] total $(($(date +%s) - T_ALL))s (seed $SEED)" | tee -a "$LOG"
