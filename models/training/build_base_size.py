"""Build a randomly initialised WavLM-Base-sized graph (512-ch conv encoder, 12 layers, 768 dim, 12 heads,
3072 FFN, gated relative position bias) with the same runtime contract, plus parity fixtures, under
models/.cache/wavlm-base-random/ (git-ignored). Proves the runtime on a full-size graph."""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, WINDOW, normalize_chunk, repeat_pad, seed_everything  # noqa: E402
from export import onnx_export, write_manifest, write_parity  # noqa: E402
from wavlm import WavLMSpoofDetector, base_config, count_parameters, estimate_flops, fold_weight_norm  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", default=os.path.join(CACHE, "wavlm-base-random"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    seed_everything(args.seed)
    t0 = time.time()
    cfg = base_config()
    model = fold_weight_norm(WavLMSpoofDetector(cfg)).eval()
    with torch.no_grad():  # random init gives logits ~0.02; scale the head so parity compares O(1) values
        model.classifier.weight.mul_(100.0)
    os.makedirs(args.out, exist_ok=True)
    onnx_export(model, os.path.join(args.out, "model.onnx"))
    rng = np.random.default_rng(args.seed)
    t = np.arange(WINDOW) / 16000.0
    # deterministic signals: harmonic tone with vibrato + noise, white noise, chirp, a 1.5 s burst repeat-padded
    tone = sum(np.sin(2 * np.pi * k * 140 * (t + 0.002 * np.sin(2 * np.pi * 5 * t))) / k for k in range(1, 12))
    tone = tone + 0.05 * rng.standard_normal(WINDOW)
    noise = rng.standard_normal(WINDOW)
    chirp = np.sin(2 * np.pi * (100 * t + 400 * t ** 2))
    burst = rng.standard_normal(24000) * np.hanning(24000)
    items = [(tone, "harmonic tone with vibrato and noise"), (noise, "white gaussian noise"),
             (chirp, "linear chirp 100-3300 Hz"), (repeat_pad(burst), "1.5 s windowed noise burst, repeat-padded")]
    inputs = [normalize_chunk(x.astype(np.float32)) for x, _ in items]
    write_parity(model, args.out, inputs, [d for _, d in items])
    write_manifest(args.out, "wavlm-base-random",
                   "Randomly initialised WavLM-Base-sized graph (not a detector) that proves the runtime on a full-size model.",
                   True, {"likely_fake": 0.5, "fake": 0.9}, count_parameters(model), estimate_flops(cfg),
                   "none: random initialisation (seed %d), built by models/training/build_base_size.py" % args.seed,
                   "docs/bring-your-own-model.md")
    print("[base-size] params %d, flops/chunk %.1f G, onnx %.0f MB, %.0fs" % (
        count_parameters(model), estimate_flops(cfg) / 1e9, os.path.getsize(os.path.join(args.out, "model.onnx")) / 1e6, time.time() - t0), flush=True)


if __name__ == "__main__":
    main()
