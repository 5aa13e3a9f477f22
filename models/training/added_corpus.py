"""Synthetic units of the added engines for corpus.py (`--added-sources 1`, env CORPUS_ADDED=1).

Budgets follow corpus.py: seconds of synthetic speech per split = human seconds of the split x the family's weight
x SYNTH_RATIO. Voices with one speaker go to one split (awb_time, rab at both rates and the HTS voice: train;
don: test); copy-synthesis and cut-and-splice clips inherit the split of the human speaker they were made from,
so a speaker's spliced clips sit in the same split as its human clips. Leave-source-out folds (families.py) hold
each family out of training whatever its split.
"""
import os

import numpy as np

from added_engines import (RESIDUAL_LPC_VOICES, copy_synth_griffinlim, copy_synth_phase_vocoder, copy_synth_praat, splice_units, synth_flite_voice,
                           synth_open_jtalk, time_phrase)
from common import SR, stable_hash

# family weights of the added engines (their share of each split's synthetic budget); corpus.py scales its own
# weights by 1 - sum(ADDED_WEIGHTS) when the added sources are on
ADDED_WEIGHTS = {"flite-unitsel": 0.05, "festival-rlpc": 0.07, "open-jtalk": 0.05, "griffin-lim": 0.06,
                 "phase-vocoder": 0.04, "psola": 0.03, "klattgrid": 0.03, "splice": 0.08}
RLPC_SPLIT = {"rab_diphone_16k": "train", "rab_diphone_8k": "train", "don_diphone": "test"}
RLPC_NATIVE_SR = {"rab_diphone_16k": 16000, "rab_diphone_8k": 8000, "don_diphone": 10000}


def festival_jobs(human_secs, synth_ratio, seed, pick_text, unit_style, tmp_root, voice_meta):
    """(voice, texts, tmpdir) jobs for corpus.synth_festival, one per residual-LPC voice."""
    jobs = []
    for voice, split in RLPC_SPLIT.items():
        nv = sum(1 for s in RLPC_SPLIT.values() if s == split)
        budget = human_secs.get(split, 0.0) * ADDED_WEIGHTS["festival-rlpc"] * synth_ratio[split] / nv
        r = np.random.default_rng(stable_hash(seed, "festival-rlpc", voice))
        texts = [pick_text("en", r, unit_style(r))[:300] for _ in range(int(budget / 2.0) + 1)]
        voice_meta["festival/" + voice] = dict(engine="festival-rlpc", split=split, lang="en",
                                               native_sr=RLPC_NATIVE_SR[voice], package=RESIDUAL_LPC_VOICES[voice][0])
        jobs.append((voice, texts, os.path.join(tmp_root, "fest_" + voice)))
    return jobs


def synthesize_added(pool, human_units, split_of, spk_pkg, native_sr, human_secs, synth_ratio, seed, pool_txt,
                     pick_text, unit_style, tmp_root, synth_units, voice_meta, log):
    """Everything but festival (corpus.py runs festival's jobs with its own batch runner)."""
    import time

    # unit selection: flite awb_time, time phrases (its only domain), all in train
    t = time.time()
    r = np.random.default_rng(stable_hash(seed, "awb_time"))
    n = int(human_secs.get("train", 0.0) * ADDED_WEIGHTS["flite-unitsel"] * synth_ratio["train"] / 3.5) + 1
    jobs = [(time_phrase(int(r.integers(24)), int(r.integers(60))), "awb_time",
             os.path.join(tmp_root, "awbt%05d.wav" % i)) for i in range(n)]
    voice_meta["flite/awb_time"] = dict(engine="flite-unitsel", split="train", lang="en", native_sr=16000, package="flite")
    for res in pool.imap(synth_flite_voice, jobs, chunksize=8):
        if res is not None and len(res[0]) > 0.15 * SR:
            synth_units["flite/awb_time"].append(res[0])
    log("flite awb_time (unit selection): %d of %d utterances in %.0fs" % (len(synth_units["flite/awb_time"]), n, time.time() - t))

    # HTS: open_jtalk, Japanese tuxpaint sentences, speed/tone/alpha varied per utterance, all in train
    t = time.time()
    src = os.path.join(os.path.dirname(tmp_root), "src")
    sents = pool_txt.get("ja") or []
    if sents:
        r = np.random.default_rng(stable_hash(seed, "open-jtalk"))
        n = int(human_secs.get("train", 0.0) * ADDED_WEIGHTS["open-jtalk"] * synth_ratio["train"] / 2.5) + 1
        jobs = [(sents[int(r.integers(len(sents)))], src, float(r.uniform(0.85, 1.2)), float(r.uniform(-3, 3)),
                 float(r.uniform(0.5, 0.6)), os.path.join(tmp_root, "jt%05d.wav" % i)) for i in range(n)]
        voice_meta["open-jtalk/nitech_m001"] = dict(engine="open-jtalk", split="train", lang="ja", native_sr=48000,
                                                    package="hts-voice-nitech-jp-atr503-m001")
        for res in pool.imap(synth_open_jtalk, jobs, chunksize=4):
            if res is not None and len(res[0]) > 0.15 * SR:
                synth_units["open-jtalk/nitech_m001"].append(res[0])
        log("open_jtalk (HTS): %d of %d utterances in %.0fs" % (len(synth_units["open-jtalk/nitech_m001"]), n, time.time() - t))
    else:
        log("open_jtalk: no Japanese text in the pool; skipped")

    # copy-synthesis (Griffin-Lim, phase vocoder) and cut-and-splice of human units: the speaker's split
    for fam in ("griffin-lim", "phase-vocoder", "psola", "klattgrid", "splice"):
        t = time.time()
        jobs, keys = [], []
        for spk in sorted(human_units):
            split = split_of[spk]
            if split == "heldout" or not human_units[spk]:
                continue
            us = human_units[spk]
            share = sum(len(x) for x in us) / SR / max(human_secs[split], 1)
            budget = human_secs[split] * ADDED_WEIGHTS[fam] * synth_ratio[split] * share
            r = np.random.default_rng(stable_hash(seed, fam, spk))
            key = "%s/%s" % (fam, spk)
            voice_meta[key] = dict(engine=fam, split=split, lang=spk.split("/")[-1],
                                   native_sr=int(np.median(native_sr[spk])), package=spk_pkg[spk][0])
            if fam == "splice":
                n_out = int(budget / 3.0) + 1
                jobs.append(([us[j] for j in r.permutation(len(us))[:60]], stable_hash(seed, "splice", spk), n_out, (1.5, 5.0)))
                keys.append(key)
                continue
            got = 0.0
            for j in r.permutation(len(us)):
                if got >= budget:
                    break
                x = us[j]
                got += len(x) / SR
                if fam == "griffin-lim":
                    jobs.append((x, int(r.choice([256, 512, 1024])), float(r.choice([0.25, 0.5])), int(r.choice([4, 8, 16, 32])),
                                 float(r.choice([0.0, 0.99])), stable_hash(seed, "gl", spk, j)))
                elif fam == "phase-vocoder":
                    jobs.append((x, int(r.choice([512, 1024])), float(r.choice([0.7, 0.8, 1.25, 1.4]))))
                else:
                    jobs.append((x, fam, float(r.choice([0.8, 0.9, 1.0, 1.12, 1.25])) if fam == "psola" else 1.0,
                                 os.path.join(tmp_root, "pr%07d" % len(jobs))))
                keys.append(key)
        fn = {"griffin-lim": copy_synth_griffinlim, "phase-vocoder": copy_synth_phase_vocoder, "psola": copy_synth_praat,
              "klattgrid": copy_synth_praat, "splice": splice_units}[fam]
        got = 0
        for key, y in zip(keys, pool.imap(fn, jobs, chunksize=4)):
            for z in (y if fam == "splice" else ([y] if y is not None else [])):
                synth_units[key].append(z)
                got += 1
        log("%s: %d units from %d jobs in %.0fs" % (fam, got, len(jobs), time.time() - t))
