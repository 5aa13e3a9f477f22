"""The Python contenders of `npm run bench:vs-pytorch`: the project's own model (models/training/wavlm.py with the
committed weights, models/realtone-wavlm-small/model.pt) in PyTorch, on files, as a whole process.

  --mode seeds     the seeds' design: torchaudio decode and resample, batch-1 inference, a Redis round trip per
                   chunk (SET of the chunk's score, key prefix from --redis-prefix, 10-minute expiry; the bench
                   deletes the prefix afterwards)
  --mode batched   torchaudio decode and resample, the windows in batches of --batch (default 8, the manifest's)

Both cut windows, skip silence and normalise exactly as the runtime does (common.py's runtime_chunks and
normalize_chunk, SILENCE_RMS), so where decoding and resampling are the same the scores must match RealTone's.
Prints one JSON object on stdout: per file its chunk scores and ms; with --warm N, the first file is analysed once to
warm up, then each file N times in this process, and the median is reported as warm_ms.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torchaudio

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "models", "training"))
from common import HOP, MIN_SAMPLES, SR, WINDOW, normalize_chunk, repeat_pad  # noqa: E402
from wavlm import WavLMConfig, WavLMSpoofDetector  # noqa: E402

MODEL_DIR = os.path.join(REPO, "models", "realtone-wavlm-small")
SILENCE_RMS = 1e-4  # functions/audio/chunk.ts


def load_model():
    cfg = json.load(open(os.path.join(MODEL_DIR, "config.json")))
    model = WavLMSpoofDetector(WavLMConfig(**cfg["config"]))
    model.load_state_dict(torch.load(os.path.join(MODEL_DIR, cfg["state_dict"]), map_location="cpu"))
    model.eval()
    return model


def decode(path):
    """torchaudio: decode, mix down to mono (mean of channels), resample to 16 kHz."""
    wave, rate = torchaudio.load(path)
    mono = wave.mean(dim=0)
    if rate != SR:
        mono = torchaudio.functional.resample(mono, rate, SR)
    return mono.numpy().astype(np.float32)


def windows(x):
    """(index, window) for every window the runtime judges; None for windows it skips as silence."""
    n = len(x)
    if n < MIN_SAMPLES:
        return []
    if n < WINDOW:
        raw = [repeat_pad(x)]
    else:
        raw = [x[s:s + WINDOW] for s in range(0, n - WINDOW + 1, HOP)]
        if (len(raw) - 1) * HOP + WINDOW < n:
            raw.append(x[n - WINDOW:])
    out = []
    for w in raw:
        rms = float(np.sqrt(np.mean(w.astype(np.float64) ** 2)))
        out.append(None if rms < SILENCE_RMS else normalize_chunk(w))
    return out


def score_seeds(model, wins, redis_client, prefix, file_index):
    scores = []
    for i, w in enumerate(wins):
        if w is None:
            scores.append(None)
            continue
        with torch.no_grad():
            logit = model(torch.from_numpy(w).unsqueeze(0))
        s = float(torch.sigmoid(logit)[0])
        redis_client.set(f"{prefix}{file_index}:{i}", repr(s), ex=600)  # one round trip per chunk
        scores.append(s)
    return scores


def score_batched(model, wins, batch):
    scores = [None] * len(wins)
    judged = [i for i, w in enumerate(wins) if w is not None]
    for b in range(0, len(judged), batch):
        idx = judged[b:b + batch]
        with torch.no_grad():
            logits = model(torch.from_numpy(np.stack([wins[i] for i in idx])))
        for i, s in zip(idx, torch.sigmoid(logits).tolist()):
            scores[i] = s
    return scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["seeds", "batched"], required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warm", type=int, default=0)
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    ap.add_argument("--redis-prefix", default=f"rt:bench:vs-pytorch:{os.getpid()}:")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model()
    client = None
    if args.mode == "seeds":
        import redis

        client = redis.Redis.from_url(args.redis_url)

    def analyse(k, path):
        t = time.perf_counter()
        wins = windows(decode(path))
        if args.mode == "seeds":
            scores = score_seeds(model, wins, client, args.redis_prefix, k)
        else:
            scores = score_batched(model, wins, args.batch)
        return scores, (time.perf_counter() - t) * 1000

    out = []
    if args.warm:
        analyse(0, args.files[0])  # warm-up: kernels, allocator, page cache
    for k, path in enumerate(args.files):
        if args.warm:
            runs = [analyse(k, path) for _ in range(args.warm)]
            scores = runs[0][0]
            entry = {"file": path, "scores": scores, "warm_ms": round(float(np.median([r[1] for r in runs])), 1)}
        else:
            scores, ms = analyse(k, path)
            entry = {"file": path, "scores": scores, "ms": round(ms, 1)}
        out.append(entry)
    json.dump({"mode": args.mode, "threads": torch.get_num_threads(), "torch": torch.__version__, "files": out},
              sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
