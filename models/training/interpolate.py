"""Weight-space interpolation of two checkpoints of one architecture (WiSE-FT, Wortsman et al. 2022):
theta = (1 - alpha) * base + alpha * tuned.

Fine-tuning v5 on the broader corpus teaches it the added families but costs it sources that neither corpus
covers (flite's slt, docs/model-training.md); interpolating the fine-tuned weights back towards v5 keeps part
of each. alpha = 0 is the base, 1 the fine-tuned model. Both must share every key and shape (a fine-tuning of
the base, `train.py --init`), or this refuses.

  interpolate.py --base models/.cache/base-v5.pt --tuned models/.cache/ft/best.pt --alpha 0.5 --out wise50.pt
"""
import argparse
import os

import torch


def interpolate(base, tuned, alpha):
    if not 0.0 <= alpha <= 1.0:
        raise ValueError("alpha must lie in [0, 1], got %r" % alpha)
    if base.keys() != tuned.keys():
        raise ValueError("the checkpoints hold different parameters: %s" % sorted(set(base) ^ set(tuned))[:5])
    out = {}
    for k, b in base.items():
        t = tuned[k]
        if b.shape != t.shape:
            raise ValueError("%s: shape %s against %s" % (k, tuple(b.shape), tuple(t.shape)))
        # integer buffers (counters) are not weights: keep the tuned model's
        out[k] = torch.lerp(b.float(), t.float(), alpha).to(b.dtype) if b.is_floating_point() else t.clone()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--tuned", required=True)
    ap.add_argument("--alpha", type=float, required=True, help="share of the tuned weights, 0..1")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        sd = interpolate(torch.load(a.base, map_location="cpu"), torch.load(a.tuned, map_location="cpu"), a.alpha)
    except ValueError as e:
        raise SystemExit(str(e))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(sd, a.out)
    print("[interpolate] %s = %.2f x %s + %.2f x %s" % (a.out, 1 - a.alpha, a.base, a.alpha, a.tuned))


if __name__ == "__main__":
    main()
