"""Checks of the added-source code that need no Debian package: file-name parsing, the QTBL reader, families,
cut-and-splice and the shared channels. Run: /usr/bin/python3 models/training/test_added.py (exit 1 on failure)."""
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from added_engines import low_energy_cuts, splice_units  # noqa: E402
from added_sources import drascula_speaker, fotaq_speaker, read_qtbl  # noqa: E402
from channels import assign_native_channels, pitch_shift_ola, u8_11k  # noqa: E402
from families import family_of, leave_out_mask  # noqa: E402

SR = 16000


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def test_names():
    check(drascula_speaker("259") == "hacker", "digits only: the hero")
    check(drascula_speaker("VB41") == "VB" and drascula_speaker("bj18") == "BJ", "prefix letters")
    check(drascula_speaker("AN7_3") is None, "animation files are not speech")
    check(fotaq_speaker("020006J1.SB") == "joe" and fotaq_speaker("XXXXJ1.SB") == "joe", "J lines are Joe")
    check(fotaq_speaker("570012P3.SB") == "room57", "numbered P lines by room")
    check(fotaq_speaker("C100A032.SB") == "cutaway-C", "cutaways by letter")


def test_qtbl():
    ents = [(b"020001P2.SB", 100, 7), (b"ZOMBIE.ACT", 107, 3)]
    head = b"QTBL" + b"CEM10\0" + b"\0\0" + bytes([1]) + struct.pack(">H", len(ents))
    body = b"".join(n.ljust(12, b"\0") + bytes([1]) + struct.pack(">II", o, s) for n, o, s in ents)
    with tempfile.NamedTemporaryFile(suffix=".1c", delete=False) as f:
        f.write(head + body)
    try:
        check(read_qtbl(f.name) == [("020001P2.SB", 100, 7), ("ZOMBIE.ACT", 107, 3)], "QTBL entries")
        with open(f.name, "r+b") as g:
            g.seek(12)
            g.write(bytes([0]))
        try:
            read_qtbl(f.name)
            check(False, "uncompressed tables are refused")
        except ValueError:
            pass
    finally:
        os.remove(f.name)


def test_families():
    row = lambda label, pkg, eng, voice="v": dict(label=label, source_package=pkg, engine=eng, speaker_or_voice=voice)  # noqa: E731
    check(family_of(row("human", "asterisk-core-sounds-es-wav", "recording")) == "asterisk", "asterisk is one family")
    check(family_of(row("human", "drascula-spanish", "recording")) == "drascula-es", "each dub its own family")
    check(family_of(row("synthetic", "flite", "flite", "flite/kal16")) == "diphone", "flite kal16 is diphone")
    check(family_of(row("synthetic", "flite", "flite", "flite/slt")) == "hts", "clustergen is statistical-parametric")
    check(family_of(row("synthetic", "festvox-rablpc16k", "festival-rlpc")) == "diphone", "residual-LPC is diphone")
    check(family_of(row("synthetic", "drascula", "splice")) == "splice", "splice")
    rows = [dict(row("human", "flight-of-the-amazon-queen", "recording"), augmentation="level=-20;channel=mp3-16k-11k"),
            dict(row("human", "drascula", "recording"), augmentation="level=-20;channel=u8-11k"),
            dict(row("synthetic", "espeak-ng", "espeak-ng"), augmentation="level=-20;channel=mp3-16k-11k"),
            dict(row("synthetic", "espeak-ng", "espeak-ng"), augmentation="level=-20;channel=u8-11k"),
            dict(row("synthetic", "espeak-ng", "espeak-ng"), augmentation="level=-20")]
    check(leave_out_mask(rows, set()) == [True] * 5, "nothing left out")
    check(leave_out_mask(rows, {"fotaq"}) == [False, True, False, True, True], "FOTAQ out takes its channel with it")
    check(leave_out_mask(rows, {"formant"}) == [True, True, False, False, False], "a synthetic family out")


def test_splice_and_channels():
    rng = np.random.default_rng(0)
    t = np.arange(3 * SR) / SR
    # a "syllable" signal: 200 Hz tone gated at 4 Hz, so there are low-energy points to cut at
    x = (np.sin(2 * np.pi * 200 * t) * (np.sin(2 * np.pi * 4 * t) > 0)).astype(np.float32) * 0.5
    cuts = low_energy_cuts(x)
    check(cuts[0] == 0 and cuts[-1] == len(x) and np.all(np.diff(cuts) > 0), "cuts cover the clip in order")
    outs = splice_units(([x, x[::-1].copy()], 1, 3, (1.5, 3.0)))
    check(len(outs) == 3 and all(SR <= len(y) <= 3 * SR for y in outs), "three spliced clips of 1-3 s")
    check(np.allclose(splice_units(([x], 7, 2, (2, 3)))[0], splice_units(([x], 7, 2, (2, 3)))[0]), "deterministic by seed")
    y = pitch_shift_ola(x.astype(np.float64), 3)
    check(len(y) == len(x), "pitch shift keeps the duration")
    q = u8_11k(x)
    check(len(q) == len(x) and 1e-4 < float(np.abs(q - x).mean()) < 0.02, "8-bit 11 kHz changes the audio a little")
    check(abs(float(np.abs(q).max()) - 0.5) < 0.05, "and keeps its level")
    clips = [dict(split="train", label="human", package="drascula", speaker="d/a", copy=0, native_sr=11025)] * 2
    clips = [dict(c) for c in clips] + [dict(split="train", label="human", package="tuxpaint-stamps-default", speaker="t/en",
                                              copy=0, native_sr=44100) for _ in range(2)]
    clips += [dict(split="train", label="synthetic", package="espeak-ng", speaker="e/%d" % i, copy=0, native_sr=22050) for i in range(400)]
    shares = assign_native_channels(clips, 1)
    check(shares["train"]["u8-11k"] == 0.5, "half the human clips are 8-bit")
    syn = [c for c in clips if c["label"] == "synthetic"]
    got = np.mean([c["channel"] == "u8-11k" for c in syn])
    check(0.42 < got < 0.58, "synthetic clips get the 8-bit channel at the human rate (%.2f)" % got)
    check(all(c["native_sr"] == 11025 for c in syn if c["channel"]), "their band is capped as an 11 kHz recording's")
    del rng


def test_package_cap():
    from added_sources import speaker_caps

    secs = {"q/joe": 4000.0, "q/a": 100.0, "q/b": 900.0, "d/x": 5000.0}
    pkg = {"q/joe": "fotaq", "q/a": "fotaq", "q/b": "fotaq", "d/x": "drascula"}
    caps = speaker_caps(secs, pkg, 720.0, {"fotaq": 1000.0})
    check(caps["d/x"] == 720.0, "other packages keep the speaker cap")
    kept = sum(min(secs[s], caps[s]) for s in secs if pkg[s] == "fotaq")
    check(abs(kept - 1000.0) < 1e-3 and abs(caps["q/joe"] - 450.0) < 1e-3, "water level 450 s gives the package cap (%.1f)" % kept)
    check(speaker_caps(secs, pkg, 720.0, {"fotaq": 5000.0})["q/joe"] == 720.0, "a package under its cap is untouched")


def test_lso_table():
    import json

    from lso_table import compare, markdown, wrong_side

    human = dict(eer=20.0, family_label="human", n_family=4, family_logits=[-3.0, -1.0, 1.0, 2.0])
    syn = dict(eer=30.0, family_label="synthetic", n_family=4, family_logits=[-2.0, 0.5, 1.5, 4.0])
    check(wrong_side(human, 0.5) == 50.0, "human clips at or above the threshold are false alarms")
    check(wrong_side(syn, 0.8) == 50.0, "synthetic clips below logit(0.8) = 1.386 are misses: 2 of 4")
    check(wrong_side(dict(human, family_logits=None), 0.5) is None, "no logits, no rate")
    with tempfile.TemporaryDirectory() as d:
        only = os.path.join(d, "v5.json")
        json.dump(dict(per_family=dict(a=human, b=syn, c=syn), unseen=["a", "b"]), open(only, "w"))
        folds = [os.path.join(d, "f%d.json" % i) for i in (1, 2)]
        json.dump(dict(runs={"1234": dict(per_family=dict(a=dict(human, eer=10.0)))}), open(folds[0], "w"))
        json.dump(dict(runs={"1234": dict(per_family=dict(b=dict(syn, eer=20.0)))}), open(folds[1], "w"))
        c = compare(["v5=" + only, "new=" + ",".join(folds)], [0.5])
    check(c["families"] == ["a", "b"], "only the --unseen families of a score-only report, and those in every column")
    check([k["mean_eer"] for k in c["columns"]] == [25.0, 15.0], "means per column")
    check(c["columns"][1]["worst_family"] == "b", "worst family")
    check("| a | human | 20.00 | 10.00 | 50 % | 50 % |" in markdown(c), "a markdown row per family")


def test_family_weights():
    from families import draw_probabilities, parse_family_weights

    check(parse_family_weights("drascula-en=0.25, fotaq=2") == {"drascula-en": 0.25, "fotaq": 2.0}, "parsed")
    check(parse_family_weights("") == {}, "empty: no weights")
    for bad in ("drascula-en", "drascula-en=0", "drascula-en=-1", "=1", "drascula-en=x", "fotaq=inf"):
        try:
            parse_family_weights(bad)
            check(False, "%r must be refused" % bad)
        except ValueError:
            pass
    rows = [dict(label="human", source_package=p) for p in ("drascula", "drascula", "klettres-data", "klettres-data")]
    p = draw_probabilities(rows, {"drascula-en": 0.25})
    check(np.allclose(p, [0.1, 0.1, 0.4, 0.4]), "a quarter the weight per clip (%s)" % p)
    check(draw_probabilities(rows, {"fotaq": 0.5}) is None, "no weighted family among the rows: uniform")


def test_interpolate():
    import torch

    from interpolate import interpolate

    base = {"w": torch.zeros(2), "n": torch.tensor(3)}
    tuned = {"w": torch.tensor([2.0, 4.0]), "n": torch.tensor(7)}
    mid = interpolate(base, tuned, 0.25)
    check(torch.allclose(mid["w"], torch.tensor([0.5, 1.0])) and int(mid["n"]) == 7, "a quarter of the way, counters kept")
    check(torch.equal(interpolate(base, tuned, 0.0)["w"], base["w"]), "alpha 0 is the base")
    for other, a in (({"w": torch.zeros(3), "n": torch.tensor(1)}, 0.5), ({"v": torch.zeros(2), "n": torch.tensor(1)}, 0.5), (tuned, 1.5)):
        try:
            interpolate(base, other, a)
            check(False, "must refuse")
        except ValueError:
            pass


if __name__ == "__main__":
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
            print("ok", name)
