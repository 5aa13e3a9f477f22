"""Evaluate the trained detector: thresholds chosen on validation, metrics on test and held-out sources,
plus a shortcut check (logistic regression on trivial features)."""
import argparse
import os
import sys
import time
from collections import defaultdict

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy/torch load OpenBLAS: see train.py
import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy import optimize  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, SR, far_threshold, roc_eer, seed_everything, sigmoid, voice_eer, write_json  # noqa: E402
from data import Split  # noqa: E402
from train import score_clips  # noqa: E402
from wavlm import WavLMSpoofDetector, config_for_checkpoint  # noqa: E402


def log(*a):
    print("[eval]", *a, flush=True)


def simple_features(x):
    """Trivial per-clip features a shortcut would use: level, silence, bandwidth, length, noise floor."""
    x = x.astype(np.float64)
    fl = 320
    n = max(1, len(x) // fl)
    fr = x[: n * fl].reshape(n, fl)
    e = (fr ** 2).mean(1) + 1e-12
    db = 10 * np.log10(e)
    silence = float((db < db.max() - 35).mean())
    floor = float(np.percentile(db, 10) - db.max())
    spec = np.abs(np.fft.rfft(fr * np.hanning(fl), axis=1)) ** 2
    ps = spec.mean(0) + 1e-12
    freqs = np.fft.rfftfreq(fl, 1 / SR)
    c = np.cumsum(ps) / ps.sum()
    rolloff = float(freqs[np.searchsorted(c, 0.85)])
    rolloff99 = float(freqs[min(len(freqs) - 1, np.searchsorted(c, 0.99))])
    centroid = float((freqs * ps).sum() / ps.sum())
    hi = float(10 * np.log10(ps[freqs > 4000].sum() / ps.sum()))
    flat = float(np.exp(np.log(ps).mean()) / ps.mean())
    zcr = float((np.abs(np.diff(np.sign(x))) > 0).mean())
    rms = float(10 * np.log10((x ** 2).mean() + 1e-12))
    return [rms, silence, floor, rolloff, rolloff99, centroid, hi, flat, zcr, len(x) / SR]


FEATURE_NAMES = ["rms_db", "silence_ratio", "noise_floor_db", "rolloff85_hz", "rolloff99_hz", "centroid_hz",
                 "energy_above_4k_db", "spectral_flatness", "zero_crossing_rate", "length_s"]


def logreg(Xtr, ytr, l2=1e-2):
    mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-9
    Z = (Xtr - mu) / sd
    Z = np.hstack([Z, np.ones((len(Z), 1))])

    def f(w):
        z = Z @ w
        loss = np.logaddexp(0, z) - ytr * z
        g = Z.T @ (sigmoid(z) - ytr) / len(Z) + l2 * np.r_[w[:-1], 0]
        return loss.mean() + 0.5 * l2 * (w[:-1] ** 2).sum(), g

    w = optimize.minimize(f, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B").x
    return lambda X: np.hstack([(X - mu) / sd, np.ones((len(X), 1))]) @ w


def group_eer(scores, labels, rows, key):
    """EER per condition: clips of both classes that share the condition value."""
    out = {}
    vals = sorted({r[key] for r in rows})
    for v in vals:
        m = np.array([r[key] == v for r in rows])
        if labels[m].min() == labels[m].max():
            continue
        e, _ = roc_eer(scores[m], labels[m])
        out[str(v)] = dict(eer=round(100 * e, 2), n=int(m.sum()))
    return out


def engine_eer(scores, labels, rows):
    """EER of each synthetic engine against all human clips of the split."""
    out = {}
    hum = labels == 0
    for eng in sorted({r["engine"] for r, y in zip(rows, labels) if y == 1}):
        m = np.array([r["engine"] == eng for r in rows]) & (labels == 1)
        sel = m | hum
        e, _ = roc_eer(scores[sel], labels[sel])
        out[eng] = dict(eer=round(100 * e, 2), n_synthetic=int(m.sum()), n_human=int(hum.sum()))
    return out


def package_far(probs, labels, rows, thr):
    out = {}
    for pkg in sorted({r["source_package"] for r, y in zip(rows, labels) if y == 0}):
        m = np.array([r["source_package"] == pkg for r in rows]) & (labels == 0)
        out[pkg] = dict(false_alarm_pct=round(100 * float((probs[m] >= thr).mean()), 2), n=int(m.sum()))
    return out


def acc_at(probs, labels, thr):
    pred = probs >= thr
    return dict(
        accuracy=round(100 * float((pred == (labels == 1)).mean()), 2),
        false_alarm_pct=round(100 * float(pred[labels == 0].mean()), 2),
        miss_pct=round(100 * float((~pred[labels == 1]).mean()), 2),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--corpus", default=os.path.join(CACHE, "corpus"))
    ap.add_argument("--ckpt", default=os.path.join(CACHE, "train", "best.pt"))
    ap.add_argument("--out", default=os.path.join(CACHE, "eval"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    seed_everything(args.seed)
    t0 = time.time()
    model = WavLMSpoofDetector(config_for_checkpoint(args.ckpt))
    model.load_state_dict(torch.load(args.ckpt, map_location="cpu"))
    model.eval()
    res = {}
    splits = {}
    for name in ("val", "test", "heldout"):
        sp = Split(args.corpus, name)
        s = score_clips(model, sp, np.arange(len(sp)))
        splits[name] = (sp, s)
        np.save(os.path.join(args.out if os.path.isdir(args.out) else _mk(args.out), "%s_scores.npy" % name), s)
        log("%s scored (%d clips) %.0fs" % (name, len(sp), time.time() - t0))
    # thresholds on validation only
    vsp, vs = splits["val"]
    vp = sigmoid(vs)
    eer_v, thr_logit = roc_eer(vs, vsp.labels)
    likely = float(sigmoid(thr_logit))
    fake = float(far_threshold(vp[vsp.labels == 0], 0.01))
    fake = max(fake, likely)
    # keep thresholds strictly inside (0, 1)
    likely = float(min(max(likely, 1e-4), 1 - 1e-4))
    fake = float(min(max(fake, likely), 1 - 1e-4))
    res["thresholds"] = dict(likely_fake=likely, fake=fake, chosen_on="val",
                             likely_fake_rule="EER operating point on validation",
                             fake_rule="<= 1% false alarms on validation human clips")
    for name in ("val", "test", "heldout"):
        sp, s = splits[name]
        p = sigmoid(s)
        e, _ = roc_eer(s, sp.labels)
        rows = sp.rows
        for r in rows:
            r["length"] = "short(<4s, repeat-padded)" if int(r["samples"]) < 64000 else ">=4s"
        res[name] = dict(
            n=len(sp), n_synthetic=int(sp.labels.sum()), eer=round(100 * e, 2),
            at_likely_fake=acc_at(p, sp.labels, likely), at_fake=acc_at(p, sp.labels, fake),
            per_codec=group_eer(s, sp.labels, rows, "codec"),
            per_bandwidth=group_eer(s, sp.labels, rows, "bandwidth_hz"),
            per_length=group_eer(s, sp.labels, rows, "length"),
            per_engine=engine_eer(s, sp.labels, rows),
            per_voice=voice_eer(s, sp.labels, rows),
            human_false_alarm_by_package=package_far(p, sp.labels, rows, likely),
        )
        log("%s: EER %.2f%%, acc@likely %.2f%%" % (name, 100 * e, res[name]["at_likely_fake"]["accuracy"]))
    # shortcut check
    tr = Split(args.corpus, "train")
    Xtr = np.array([simple_features(tr.clip(i)) for i in range(len(tr))])
    clf = logreg(Xtr, tr.labels.astype(np.float64))
    sc = {}
    for name in ("test", "heldout"):
        sp = splits[name][0]
        X = np.array([simple_features(sp.clip(i)) for i in range(len(sp))])
        e, _ = roc_eer(clf(X), sp.labels)
        sc[name + "_eer"] = round(100 * e, 2)
        # single-feature EERs (best direction)
        single = {}
        for j, fn in enumerate(FEATURE_NAMES):
            e1, _ = roc_eer(X[:, j], sp.labels)
            single[fn] = round(100 * min(e1, 1 - e1), 1)
        sc[name + "_single_feature_eer"] = single
    sc["features"] = FEATURE_NAMES
    res["shortcut_baseline"] = sc
    log("shortcut logistic regression EER: test %.1f%%, heldout %.1f%%" % (sc["test_eer"], sc["heldout_eer"]))
    res["seconds"] = round(time.time() - t0, 1)
    write_json(os.path.join(args.out, "metrics.json"), res)


def _mk(d):
    os.makedirs(d, exist_ok=True)
    return d


if __name__ == "__main__":
    main()
