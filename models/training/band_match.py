"""Band assignment for synthetic clips that matches the human band distribution of the same split.

Why: corpus.py draws each synthetic clip's band from the human clips of its split, then caps it at the clip's
native band. Voices that are natively 8 kHz (codec2 copy-synthesis, flite kal) can only land at 4000 or 3400 Hz,
so the cap piles synthetic clips up at 4000 Hz (train: 35 % of synthetic vs 23 % of human clips), and a model can
learn "narrow band means synthetic" (the IVR test voice's false alarms all sit at 4000 Hz). Here the human band
counts of a split become quotas for its synthetic clips; the most constrained clips (lowest native band) choose
first, among the bands they can reach, in proportion to the quota left, so the wide-band voices fill what the
narrow-band ones could not take. Only when a clip can reach no band with quota left does it fall back to the old
rule (its native band).
"""
from collections import Counter

import numpy as np


def reachable(native_band: int, bands) -> list:
    """Bands a clip of this native band can be limited to: never above its native band."""
    return sorted(b for b in bands if b <= native_band)


def quotas(human_bands, n: int) -> dict:
    """Human band counts scaled to n clips (largest remainder, ties by band so the result is deterministic)."""
    cnt = Counter(human_bands)
    total = sum(cnt.values())
    if total == 0 or n == 0:
        return {}
    exact = {b: n * k / total for b, k in cnt.items()}
    q = {b: int(v) for b, v in exact.items()}
    left = n - sum(q.values())
    for b in sorted(exact, key=lambda b: (-(exact[b] - q[b]), b))[:left]:
        q[b] += 1
    return q


def match_bands(human_bands, native_bands, rng: np.random.Generator) -> list:
    """Bandwidths for synthetic clips (one per entry of native_bands, in that order) whose distribution follows
    human_bands as closely as the native-band caps allow."""
    q = quotas(human_bands, len(native_bands))
    bands = sorted(q)
    out = [0] * len(native_bands)
    # lowest native band first; shuffled within a native band so which clip takes a scarce band is random
    perm = rng.permutation(len(native_bands))
    order = sorted(range(len(native_bands)), key=lambda i: (native_bands[i], perm[i]))
    for i in order:
        nb = native_bands[i]
        cand = [b for b in reachable(nb, bands) if q[b] > 0]
        if not cand:
            out[i] = nb
            continue
        w = np.array([q[b] for b in cand], dtype=float)
        b = cand[int(rng.choice(len(cand), p=w / w.sum()))]
        q[b] -= 1
        out[i] = b
    return out


if __name__ == "__main__":  # self-check: python3 models/training/band_match.py
    rng = np.random.default_rng(0)
    human = [8000] * 50 + [6000] * 15 + [5512] * 12 + [4000] * 15 + [3400] * 8
    native = [4000] * 20 + [8000] * 80
    got = match_bands(human, native, rng)
    assert all(g <= n for g, n in zip(got, native)), "a band above the native band"
    assert Counter(got) == Counter(quotas(human, 100)), (Counter(got), quotas(human, 100))
    # too many narrow-band clips: the overflow keeps its native band
    got = match_bands(human, [4000] * 40 + [8000] * 60, rng)
    assert Counter(got)[4000] + Counter(got)[3400] == 40 and Counter(got)[4000] > 15
    print("band_match self-check ok")
