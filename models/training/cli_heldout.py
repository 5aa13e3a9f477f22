"""Held-out check through the product's own path: clean 16 kHz mono WAV files of 3-8 s from the held-out
sources (ktuberling-data human words, flite voices slt and kal), scored by `realtone analyze` (the worker's
decode -> chunk -> ONNX core in Node, no PyTorch). This mirrors how the project's independent evaluation on
unseen Debian sources is run, so its EER is the closest in-house estimate of that number.

The files carry none of the corpus augmentation (no noise, band limit or codec): only trimming, the same
connected-stretch construction as the corpus (units of one speaker or voice joined with 50-300 ms gaps) and
a peak limit. Both classes are built the same way from isolated words, as ktuberling's recordings are, so
neither sentence prosody nor gap pattern separates them; the synthetic words are English (from tuxpaint's
English descriptions) while the human words span 22 languages. flite's kal is an 8 kHz voice of a speaker
that training saw (festival's kal_diphone, flite's kal16): the per-voice EERs separate it from slt, a voice
and speaker seen nowhere else. Usage: cli_heldout.py --model models/realtone-wavlm-small/model.json
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from multiprocessing import Pool

import numpy as np
import soundfile as sf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, REPO, SR, roc_eer, stable_hash, voice_eer, write_json  # noqa: E402
import corpus  # noqa: E402

VOICES = ["slt", "kal"]


def log(*a):
    print("[cli-heldout]", *a, flush=True)


def stretches_by_group(groups, seed, tag, per_class):
    """3-8 s connected stretches, drawn round-robin over speakers/voices so none dominates."""
    per_group = {}
    for g in sorted(groups):
        r = np.random.default_rng(stable_hash(seed, tag, g))
        per_group[g] = [y for y, _ in corpus.build_stretches(groups[g], r, short_frac=0.0, max_len=8.0) if len(y) >= 3 * SR]
    out = []
    while len(out) < per_class and any(per_group.values()):
        for g in sorted(per_group):
            if per_group[g] and len(out) < per_class:
                out.append((g, per_group[g].pop()))
    return out


def write_wav(path, y):
    peak = float(np.abs(y).max()) + 1e-9
    y = y * min(1.0, 0.95 / peak)
    sf.write(path, y.astype(np.float32), SR, subtype="PCM_16")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--model", default=os.path.join(REPO, "models", "realtone-wavlm-small", "model.json"))
    ap.add_argument("--per-class", type=int, default=200)
    ap.add_argument("--out", default=os.path.join(CACHE, "eval", "cli_heldout.json"))
    args = ap.parse_args()
    t0 = time.time()
    src = os.path.join(CACHE, "src")
    corpus.fetch(src)
    work = os.path.join(CACHE, "cli-heldout")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    pool = Pool(2)
    units = [u for u in corpus.human_inventory(src) if u["package"] == corpus.HELDOUT_HUMAN_PACKAGE]
    human = defaultdict(list)
    for u, r in zip(units, pool.map(corpus.decode_unit, units, chunksize=16)):
        if r is not None:
            human[u["speaker"]].append(r[0])
    words = sorted({w.lower() for t in corpus.text_pool(src)["en"] for w in re.findall(r"[A-Za-z]{3,}", t)})
    rng = np.random.default_rng(stable_hash(args.seed, "cli-heldout-text"))
    jobs, keys = [], []
    for v in VOICES:
        for i in range(args.per_class // len(VOICES) * 12):  # ~6 words per 3-8 s stretch, with margin
            jobs.append((words[int(rng.integers(len(words)))], v, os.path.join(work, "tts_%s_%d.wav" % (v, i))))
            keys.append("flite/" + v)
    synth = defaultdict(list)
    for k, res in zip(keys, pool.imap(corpus.synth_flite, jobs, chunksize=8)):
        if res is not None:
            y = corpus.trim(res[0])
            if len(y) > 0.15 * SR:
                synth[k].append(y)
    pool.close()
    files, labels, who = [], [], []
    for label, groups, tag in ((0, human, "human"), (1, synth, "synthetic")):
        for g, y in stretches_by_group(groups, args.seed, "cli-" + tag, args.per_class):
            f = os.path.join(work, "%s-%04d.wav" % (tag, len(files)))
            write_wav(f, y)
            files.append(f)
            labels.append(label)
            who.append(g)
    log("%d files (%d human, %d synthetic) in %.0fs" % (len(files), labels.count(0), labels.count(1), time.time() - t0))
    t1 = time.time()
    cmd = ["node", os.path.join(REPO, "scripts", "realtone.mjs"), "analyze", "--model", args.model] + files
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, timeout=1800)
    lines = [json.loads(ln) for ln in r.stdout.decode().splitlines() if ln.strip()]
    by_file = {os.path.abspath(ln["file"]): ln for ln in lines}
    scores, ys, groups, labels_out, failed = [], [], [], [], []
    for f, y, g in zip(files, labels, who):
        ln = by_file.get(os.path.abspath(f))
        if ln is None or not ln.get("ok"):
            failed.append(os.path.basename(f))
            continue
        scores.append(float(ln["overall"]["score"]))
        labels_out.append(ln["overall"]["label"])
        ys.append(y)
        groups.append(g)
    if failed:
        raise SystemExit("realtone analyze failed on %d files (first: %s); stderr: %s" % (len(failed), failed[0], r.stderr.decode()[-2000:]))
    s, y = np.array(scores), np.array(ys)
    eer, _ = roc_eer(s, y)
    flagged = np.array([lab != "real" for lab in labels_out])
    per_group = {}
    for g in sorted(set(groups)):
        m = np.array([x == g for x in groups])
        per_group[g] = dict(n=int(m.sum()), flagged_pct=round(100 * float(flagged[m].mean()), 2))
    rows = [dict(speaker_or_voice=g, engine="flite" if lab == 1 else "human") for g, lab in zip(groups, y)]
    per_voice_eer = {v: r["eer"] for v, r in voice_eer(s, y, rows).items()}
    res = dict(
        protocol="clean 16 kHz mono PCM16 WAV, 3-8 s, scored by `realtone analyze` (overall.score)",
        model=os.path.relpath(args.model, REPO), n=len(s), n_synthetic=int(y.sum()), eer=round(100 * eer, 2),
        at_verdict=dict(
            accuracy=round(100 * float((flagged == (y == 1)).mean()), 2),
            false_alarm_pct=round(100 * float(flagged[y == 0].mean()), 2),
            miss_pct=round(100 * float((~flagged[y == 1]).mean()), 2),
        ),
        eer_per_voice=per_voice_eer, flagged_by_source=per_group, seconds=round(time.time() - t0, 1), analyze_seconds=round(time.time() - t1, 1),
    )
    write_json(args.out, res)
    log("EER %.2f%% (per voice against all human files: %s), accuracy at the verdict %.2f%% (%d files, analyze %.0fs)"
        % (100 * eer, per_voice_eer, res["at_verdict"]["accuracy"], len(s), time.time() - t1))


if __name__ == "__main__":
    main()
