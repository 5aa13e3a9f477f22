"""Loading the corpus shards and turning clips into model inputs exactly as the runtime does."""
import csv
import os

import numpy as np

from common import WINDOW, MIN_SAMPLES, normalize_chunk, repeat_pad, runtime_chunks


class Split:
    def __init__(self, corpus_dir, split):
        self.audio = np.load(os.path.join(corpus_dir, "%s_audio.npy" % split), mmap_mode="r")
        self.offsets = np.load(os.path.join(corpus_dir, "%s_offsets.npy" % split))
        self.labels = np.load(os.path.join(corpus_dir, "%s_labels.npy" % split)).astype(np.int64)
        self.rows = [r for r in read_manifest(corpus_dir) if r["split"] == split]
        self.rows.sort(key=lambda r: int(r["index"]))
        assert len(self.rows) == len(self.labels)

    def __len__(self):
        return len(self.labels)

    def clip(self, i) -> np.ndarray:
        a, b = self.offsets[i], self.offsets[i + 1]
        return np.asarray(self.audio[a:b], dtype=np.float32) / 32767.0


def read_manifest(corpus_dir):
    with open(os.path.join(corpus_dir, "manifest.csv")) as f:
        return list(csv.DictReader(f))


def train_example(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random 4 s window (or a repeat-padded shorter piece, as the runtime pads 1-4 s audio), normalised."""
    if len(x) >= WINDOW and rng.random() < 0.85:
        a = int(rng.integers(0, len(x) - WINDOW + 1))
        w = x[a:a + WINDOW]
    else:
        # short piece (1..4 s) from anywhere in the clip, tiled like the runtime
        n = len(x)
        L = int(rng.integers(MIN_SAMPLES, min(n, WINDOW) + 1)) if n > MIN_SAMPLES else n
        a = int(rng.integers(0, n - L + 1))
        w = repeat_pad(x[a:a + L])
    if rng.random() < 0.5:
        w = -w
    return normalize_chunk(w)


def eval_chunks(x: np.ndarray):
    """The runtime's chunks of one clip, normalised."""
    return [normalize_chunk(c) for c in runtime_chunks(x)]
