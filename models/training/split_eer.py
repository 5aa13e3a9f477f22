"""EER of checkpoints on one split of the corpus, overall and per flite voice (the held-out split's parametric slt
and diphone kal): the check a fine-tuned candidate must pass against v5 (docs/model-training.md).

  split_eer.py --split heldout models/.cache/base-v5.pt models/.cache/ft/best.pt models/.cache/wise/full-0.3.pt

Prints one JSON line per checkpoint. Float32 scoring with the runtime's chunking (train.score_clips).
"""
import argparse
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

from common import CACHE, roc_eer, voice_eer  # noqa: E402
from data import Split  # noqa: E402
from train import score_clips  # noqa: E402
from wavlm import WavLMSpoofDetector, config_for_checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--corpus", default=os.path.join(CACHE, "corpus"))
    ap.add_argument("--split", default="heldout", choices=("val", "test", "heldout"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    sp = Split(a.corpus, a.split)
    for ck in a.checkpoints:
        m = WavLMSpoofDetector(config_for_checkpoint(ck))
        m.load_state_dict(torch.load(ck, map_location="cpu"))
        m.eval()
        s = score_clips(m, sp, np.arange(len(sp)))
        e, _ = roc_eer(s, sp.labels)
        voices = {v: r["eer"] for v, r in voice_eer(s, sp.labels, sp.rows, engines=("flite",)).items()}
        print(json.dumps(dict(checkpoint=ck, split=a.split, eer=round(100 * e, 2), flite_voices=voices)), flush=True)


if __name__ == "__main__":
    main()
