"""Yield of each added source, and how a checkpoint scores them: clean 3-5 s clips per source (no augmentation, no
codec: the independent evaluation's protocol), scored in PyTorch with the runtime's chunking.

For a model built before the sources were added (v5), every family here except `diphone` (rab, don: new voices of
a family v5 trained on) is one it never saw, so these are its leave-source-out figures on them.
Reports, per source: yield (clips, minutes, speakers, seconds of audio per second of wall clock for engines);
for human sources the false-alarm rate at the model's thresholds and the EER against all added synthetic clips;
for synthetic sources the miss rate and the EER against all added human clips.

Usage: added_eval.py --ckpt models/realtone-wavlm-small/model.pt --per-source 40 [--out models/.cache/added-eval]
"""
import argparse
import json
import os
import sys
import time
from collections import defaultdict
from multiprocessing import Pool

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from added_engines import (copy_synth_griffinlim, copy_synth_phase_vocoder, copy_synth_praat, splice_units,  # noqa: E402
                           synth_flite_voice,
                           synth_open_jtalk, time_phrase)
from added_sources import added_human_inventory, fetch_added  # noqa: E402
from common import CACHE, MODEL_DIR, SR, roc_eer, sigmoid, stable_hash, write_json  # noqa: E402
from data import eval_chunks  # noqa: E402

FAMILY = {"drascula": "drascula-en", "drascula-spanish": "drascula-es", "drascula-italian": "drascula-it",
          "flight-of-the-amazon-queen": "fotaq", "awb_time": "unit-selection", "rab_diphone_16k": "diphone",
          "rab_diphone_8k": "diphone", "don_diphone": "diphone", "open-jtalk": "hts", "griffin-lim": "copy-griffin-lim",
          "phase-vocoder": "copy-phase-vocoder", "psola": "copy-psola", "klattgrid": "copy-klattgrid", "splice": "splice"}


def log(*a):
    print("[added-eval]", *a, flush=True)


def clean_clips(units, seed, tag, n):
    """3-5 s connected stretches (no augmentation), round-robin over groups."""
    out = []
    groups = defaultdict(list)
    for g, x in units:
        groups[g].append(x)
    per = {}
    for g in sorted(groups):
        r = np.random.default_rng(stable_hash(seed, tag, g))
        per[g] = [y for y, _ in corpus.build_stretches(groups[g], r, short_frac=0.0, max_len=5.0) if len(y) >= 3 * SR]
    while len(out) < n and any(per.values()):
        for g in sorted(per):
            if per[g] and len(out) < n:
                out.append(per[g].pop())
    return out


def score(model, clips):
    import torch

    res = []
    with torch.no_grad():
        for y in clips:
            ch = np.stack(eval_chunks(y))
            res.append(float(model(torch.from_numpy(ch)).double().mean()))
    return np.array(res)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--ckpt", default=os.path.join(MODEL_DIR, "model.pt"))
    ap.add_argument("--thresholds", default=os.path.join(MODEL_DIR, "model.json"))
    ap.add_argument("--per-source", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated engines to run (default: all); the human sources always run")
    ap.add_argument("--out", default=os.path.join(CACHE, "added-eval"))
    args = ap.parse_args()
    only = {e for e in args.only.split(",") if e}
    want = lambda name: not only or name in only  # noqa: E731
    seed = args.seed
    src = os.path.join(CACHE, "src")
    tmp = os.path.join(CACHE, "added-eval-tmp")
    os.makedirs(tmp, exist_ok=True)
    t0 = time.time()
    fetch_added(CACHE, src)
    corpus.fetch(src)  # the Japanese and English text pool comes from tuxpaint
    pool_txt = corpus.text_pool(src)
    yields, clips = {}, {}
    pool = Pool(args.workers)

    # human sources: yield, and per-speaker units (trimmed) for clean clips and for copy-synthesis/splicing
    units = added_human_inventory(src, args.workers)
    by_pkg = defaultdict(list)
    for u in units:
        by_pkg[u["package"]].append(u)
    human_units = {}
    for pkg, us in sorted(by_pkg.items()):
        secs = [sf.info(u["path"]).duration for u in us]
        spk = defaultdict(float)
        for u, s in zip(us, secs):
            spk[u["speaker"]] += s
        capped = sum(min(v, 12 * 60) for v in spk.values())
        r = np.random.default_rng(stable_hash(seed, "added-eval", pkg))
        pick = [us[j] for j in r.permutation(len(us))[: args.per_source * 6]]
        dec = pool.map(corpus.decode_unit, pick)
        human_units[pkg] = [(u["speaker"], d[0]) for u, d in zip(pick, dec) if d is not None]
        net = sum(len(x) for _, x in human_units[pkg]) / SR
        gross = sum(s for u, s in zip(us, secs) if u in pick)
        yields[pkg] = dict(kind="human", clips=len(us), gross_min=round(sum(secs) / 60, 1), speakers=len(spk),
                           min_under_12min_cap=round(capped / 60, 1), largest_speaker_min=round(max(spk.values()) / 60, 1),
                           net_to_gross_after_trim=round(net / max(gross, 1e-9), 3))
        clips[pkg] = clean_clips(human_units[pkg], seed, pkg, args.per_source)
        log(pkg, json.dumps(yields[pkg]))

    # engines: clean utterances, joined per voice
    def run_engine(name, fn, jobs, group):
        if not want(name):
            return
        t = time.time()
        out = [res for res in pool.imap(fn, jobs, chunksize=2)]
        ok = []
        for res in out:
            ys = res if isinstance(res, list) else ([res] if res is not None else [])
            for y in ys:
                y = y[0] if isinstance(y, tuple) else y
                y = corpus.trim(y)
                if len(y) > 0.15 * SR:
                    ok.append((group, y))
        dt = time.time() - t
        secs = sum(len(y) for _, y in ok) / SR
        yields[name] = dict(kind="synthetic", jobs=len(jobs), units=len(ok), seconds=round(secs, 1), wall_s=round(dt, 1),
                            realtime_factor=round(secs / max(dt, 1e-9), 2))
        clips[name] = clean_clips(ok, seed, name, args.per_source)
        log(name, json.dumps(yields[name]))

    r = np.random.default_rng(stable_hash(seed, "added-eval-engines"))
    n = args.per_source * 2
    run_engine("awb_time", synth_flite_voice, [(time_phrase(int(r.integers(24)), int(r.integers(60))), "awb_time",
                                                os.path.join(tmp, "a%d.wav" % i)) for i in range(n)], "awb_time")
    en = pool_txt["en"]
    for voice in [v for v in ("rab_diphone_16k", "rab_diphone_8k", "don_diphone") if want(v)]:
        texts = [en[int(r.integers(len(en)))][:200] for _ in range(n)]
        t = time.time()
        res = corpus.synth_festival((voice, texts, os.path.join(tmp, "f_" + voice)))
        ok = [(voice, corpus.trim(y[0])) for y in res if y is not None]
        ok = [(g, y) for g, y in ok if len(y) > 0.15 * SR]
        dt = time.time() - t
        secs = sum(len(y) for _, y in ok) / SR
        yields[voice] = dict(kind="synthetic", jobs=n, units=len(ok), seconds=round(secs, 1), wall_s=round(dt, 1),
                             realtime_factor=round(secs / max(dt, 1e-9), 2))
        clips[voice] = clean_clips(ok, seed, voice, args.per_source)
        log(voice, json.dumps(yields[voice]))
    ja = pool_txt.get("ja", [])
    run_engine("open-jtalk", synth_open_jtalk, [(ja[int(r.integers(len(ja)))], src, float(r.uniform(0.85, 1.2)),
                                                float(r.uniform(-3, 3)), 0.55, os.path.join(tmp, "j%d.wav" % i))
                                               for i in range(n)], "open-jtalk")
    # copy-synthesis and splicing of the added human units (speakers v5 never heard)
    hu = [(g, x) for pkg in sorted(human_units) for g, x in human_units[pkg]]
    sel = [hu[j] for j in r.permutation(len(hu))[:n]]
    run_engine("griffin-lim", copy_synth_griffinlim, [(x, int(r.choice([256, 512, 1024])), 0.25, int(r.choice([8, 32, 64])),
                                                      0.99, stable_hash(seed, "gl", i)) for i, (_, x) in enumerate(sel)], "griffin-lim")
    run_engine("phase-vocoder", copy_synth_phase_vocoder, [(x, 1024, float(r.choice([0.7, 0.8, 1.25, 1.4]))) for _, x in sel], "phase-vocoder")
    run_engine("psola", copy_synth_praat, [(x, "psola", float(r.choice([0.8, 0.9, 1.12, 1.25])), os.path.join(tmp, "p%d" % i))
                                           for i, (_, x) in enumerate(sel)], "psola")
    run_engine("klattgrid", copy_synth_praat, [(x, "klattgrid", 1.0, os.path.join(tmp, "k%d" % i)) for i, (_, x) in enumerate(sel)], "klattgrid")
    spk_units = defaultdict(list)
    for g, x in hu:
        spk_units[g].append(x)
    run_engine("splice", splice_units, [(xs, stable_hash(seed, "splice", g), 2, (3.0, 5.0)) for g, xs in sorted(spk_units.items())], "splice")
    pool.close()

    # scores
    import torch
    from wavlm import WavLMSpoofDetector, config_for_checkpoint

    torch.set_num_threads(2)
    model = WavLMSpoofDetector(config_for_checkpoint(args.ckpt))
    model.load_state_dict(torch.load(args.ckpt, map_location="cpu"))
    model.eval()
    thr = json.load(open(args.thresholds))["thresholds"]
    sc = {k: score(model, v) for k, v in clips.items() if v}
    hum = [k for k in sc if yields[k]["kind"] == "human"]
    syn = [k for k in sc if yields[k]["kind"] == "synthetic"]
    H = np.concatenate([sc[k] for k in hum])
    S = np.concatenate([sc[k] for k in syn])
    per = {}
    for k in sc:
        p = sigmoid(sc[k])
        other = S if k in hum else H
        lab = np.r_[np.zeros(len(sc[k]) if k in hum else len(other)), np.ones(len(other) if k in hum else len(sc[k]))]
        s = np.r_[sc[k], other] if k in hum else np.r_[other, sc[k]]
        e, _ = roc_eer(s, lab)
        flag = (p >= thr["likely_fake"]).mean()
        per[k] = dict(family=FAMILY[k], clips=len(p), eer=round(100 * e, 2), median_p=round(float(np.median(p)), 4),
                      **({"false_alarm_pct_at_likely_fake": round(100 * flag, 1)} if k in hum else
                         {"miss_pct_at_likely_fake": round(100 * (1 - flag), 1)}))
        log("%-18s %s" % (k, json.dumps(per[k])))
    e_all, _ = roc_eer(np.r_[H, S], np.r_[np.zeros(len(H)), np.ones(len(S))])
    # threshold trade-off on these out-of-domain clips: false alarms and misses at several thresholds
    trade = []
    for t in (0.1, 0.2, 0.3, 0.5, thr["likely_fake"], thr["fake"], 0.95, 0.99):
        trade.append(dict(threshold=round(float(t), 4), false_alarm_pct=round(100 * float((sigmoid(H) >= t).mean()), 1),
                          miss_pct=round(100 * float((sigmoid(S) < t).mean()), 1)))
    fam_eer = defaultdict(list)
    for k, v in per.items():
        fam_eer[v["family"]].append(v["eer"])
    fam = {f: round(float(np.mean(v)), 2) for f, v in fam_eer.items()}
    report = dict(checkpoint=args.ckpt, seed=seed, per_source=args.per_source, yields=yields, per_source_scores=per,
                  per_family_eer=fam, mean_family_eer=round(float(np.mean(list(fam.values()))), 2),
                  worst_family=max(fam, key=fam.get), worst_family_eer=max(fam.values()),
                  overall_eer=round(100 * e_all, 2), n_human=len(H), n_synthetic=len(S), threshold_tradeoff=trade,
                  thresholds=thr, seconds=round(time.time() - t0, 1))
    write_json(os.path.join(args.out, "report.json"), report)
    log("overall EER %.2f%%, mean family EER %.2f%%, worst %s %.2f%%" % (100 * e_all, report["mean_family_eer"],
                                                                      report["worst_family"], report["worst_family_eer"]))


if __name__ == "__main__":
    main()
