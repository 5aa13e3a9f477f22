"""Shared helpers: paths, the runtime's chunking and normalisation contract, metrics."""
import hashlib
import json
import os
import random

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CACHE = os.environ.get("REALTONE_CACHE", os.path.join(REPO, "models", ".cache"))
MODEL_DIR = os.path.join(REPO, "models", "realtone-wavlm-small")
SR = 16000
WINDOW = 64000
HOP = 64000
MIN_SAMPLES = 16000
EPS = 1e-7


def seed_everything(seed: int):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def stable_hash(*parts) -> int:
    h = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return int(h[:12], 16)


def normalize_chunk(x: np.ndarray) -> np.ndarray:
    """Runtime normalisation of one 64000-sample chunk: zero mean, unit (population) variance, eps 1e-7."""
    x = x.astype(np.float64)
    m = x.mean()
    v = ((x - m) ** 2).mean()
    return ((x - m) / np.sqrt(v + EPS)).astype(np.float32)


def repeat_pad(x: np.ndarray, n: int = WINDOW) -> np.ndarray:
    reps = int(np.ceil(n / len(x)))
    return np.tile(x, reps)[:n]


def runtime_chunks(x: np.ndarray):
    """The runtime's chunking of 16 kHz mono audio into 64000-sample windows (un-normalised).

    windows at hop 64000; if samples remain after the last full window, one extra window aligned to the end;
    audio shorter than one window but >= 1 s is repeat-padded to one window; shorter than 1 s: no window."""
    n = len(x)
    if n < MIN_SAMPLES:
        return []
    if n < WINDOW:
        return [repeat_pad(x)]
    out = []
    start = 0
    while start + WINDOW <= n:
        out.append(x[start:start + WINDOW])
        start += HOP
    last_end = start - HOP + WINDOW
    if last_end < n:
        out.append(x[n - WINDOW:])
    return out


def roc_eer(scores_fake: np.ndarray, labels: np.ndarray):
    """EER (fraction) and the score threshold at the EER point. labels: 1 = synthetic, 0 = human."""
    s = np.asarray(scores_fake, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan"), float("nan")
    thr = np.unique(s)
    # false-alarm (human >= thr) and miss (fake < thr) for each candidate threshold
    neg_sorted = np.sort(neg)
    pos_sorted = np.sort(pos)
    far = 1.0 - np.searchsorted(neg_sorted, thr, side="left") / len(neg)
    frr = np.searchsorted(pos_sorted, thr, side="left") / len(pos)
    i = int(np.argmin(np.abs(far - frr)))
    eer = (far[i] + frr[i]) / 2.0
    return float(eer), float(thr[i])


def voice_eer(scores, labels, rows, engines=("festival", "flite")):
    """EER of each voice of the named engines against all human clips of the split (diphone and clustergen
    voices differ far more from each other than espeak-ng variants do)."""
    out = {}
    hum = labels == 0
    for v in sorted({r["speaker_or_voice"] for r, y in zip(rows, labels) if y == 1 and r["engine"] in engines}):
        m = np.array([r["speaker_or_voice"] == v for r in rows]) & (labels == 1)
        e, _ = roc_eer(scores[m | hum], labels[m | hum])
        out[v] = dict(eer=round(100 * e, 2), n_synthetic=int(m.sum()))
    return out


def far_threshold(scores_human: np.ndarray, max_far: float) -> float:
    """Smallest threshold whose false-alarm rate on human scores (score >= thr flagged) is <= max_far."""
    s = np.sort(np.asarray(scores_human, dtype=np.float64))
    k = int(np.floor(max_far * len(s)))
    # allow at most k human scores >= thr
    idx = len(s) - k
    if idx >= len(s):
        return float(np.nextafter(s[-1], np.inf))
    return float(np.nextafter(s[idx - 1], np.inf)) if idx > 0 else float(s[0])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def env_flag(name: str, default: int = 0) -> int:
    """A 0/1 switch read from the environment (unset: `default`). argparse does not apply `choices` to defaults, so an
    env value such as "2" or "yes" would slip through a choices=(0, 1) option; refuse it here by name."""
    v = os.environ.get(name, str(default)).strip()
    if v not in ("0", "1"):
        raise SystemExit("%s must be 0 or 1, got %r" % (name, v))
    return int(v)


def loaded_blas():
    """Directory of the OpenBLAS library this process loaded (openblas-pthread or openblas-openmp), for the
    training log: float32 step times depend on it (scripts/model-build.sh)."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({ln.split()[-1] for ln in f if "openblas" in ln and ln.split()[-1].startswith("/")})
    except OSError:
        return None
    return os.path.dirname(libs[0]) if libs else None
