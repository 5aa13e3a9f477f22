"""Source families for leave-source-out evaluation (issue 28).

A family is what a model must generalise *across*: each human package is one (the Asterisk packages are one
family, because en_US and es_MX are the same speaker), and each synthesis method is one, whatever its voice or
language:
  formant         espeak-ng
  diphone         festival's diphone voices (residual-LPC: kal, ked, Czech, Finnish, Italian, Hindi, Marathi,
                  rab, don) and flite's diphone voices (kal, kal16)
  unit-selection  flite awb_time (clunits)
  hts             statistical-parametric voices: flite's clustergen voices (awb, rms, slt) and open_jtalk's HTS voice
  copy-sptk, copy-codec2, copy-griffin-lim, copy-phase-vocoder, copy-psola, copy-klattgrid
                  copy-synthesis of human clips (one family per method)
  splice          cut-and-splice unit concatenation of human clips
"""
HUMAN_FAMILY = {
    "tuxpaint-stamps-default": "tuxpaint",
    "fillets-ng-data-cs": "fillets-cs",
    "fillets-ng-data-nl": "fillets-nl",
    "klettres-data": "klettres",
    "ktuberling-data": "ktuberling",
    "drascula": "drascula-en",
    "drascula-spanish": "drascula-es",
    "drascula-italian": "drascula-it",
    "flight-of-the-amazon-queen": "fotaq",
}
ENGINE_FAMILY = {
    "espeak-ng": "formant",
    "festival": "diphone",
    "festival-rlpc": "diphone",
    "flite-unitsel": "unit-selection",
    "open-jtalk": "hts",
    "sptk-mlsa": "copy-sptk",
    "codec2": "copy-codec2",
    "griffin-lim": "copy-griffin-lim",
    "phase-vocoder": "copy-phase-vocoder",
    "psola": "copy-psola",
    "klattgrid": "copy-klattgrid",
    "splice": "splice",
}
FLITE_DIPHONE = {"flite/kal", "flite/kal16"}


def family_of(row):
    """Family of one manifest row (corpus.py's manifest.csv columns)."""
    if row["label"] == "human":
        pkg = row["source_package"]
        if pkg.startswith("asterisk-core-sounds-"):
            return "asterisk"
        return HUMAN_FAMILY.get(pkg, pkg)
    eng = row["engine"]
    if eng == "flite":
        return "diphone" if row["speaker_or_voice"] in FLITE_DIPHONE else "hts"
    return ENGINE_FAMILY.get(eng, eng)


def families(rows):
    """{family: label} of the rows present."""
    out = {}
    for r in rows:
        out[family_of(r)] = r["label"]
    return dict(sorted(out.items()))


def channel_of(row):
    """The native channel a clip carries (channels.py; '' when none), from its manifest augmentation field."""
    for kv in row.get("augmentation", "").split(";"):
        if kv.startswith("channel="):
            return kv[len("channel="):]
    return ""


def leave_out_mask(rows, excluded):
    """True for the rows a fold may train on: not of an excluded family, and (so that a channel cannot stand in
    for the class) no synthetic clip carrying a native channel that no remaining human clip carries: leaving
    out FOTAQ, the only human source with the 16 kbit/s MP3 channel, also leaves out the synthetic clips that
    were given that channel to match it."""
    keep = [family_of(r) not in excluded for r in rows]
    human_channels = {channel_of(r) for r, k in zip(rows, keep) if k and r["label"] == "human"}
    return [k and (r["label"] == "human" or channel_of(r) in human_channels or not channel_of(r)) for r, k in zip(rows, keep)]


def parse_family_weights(spec):
    """'drascula-en=0.3,fotaq=0.5' -> {family: weight}. A weight scales how often a family's training clips are
    drawn relative to the other clips of its class (1: as many as its clips; 0 is not allowed: that is
    --exclude-families, which also leaves the family out of checkpoint selection)."""
    out = {}
    for item in (x.strip() for x in spec.split(",")):
        if not item:
            continue
        fam, sep, w = item.partition("=")
        try:
            weight = float(w)
        except ValueError:
            weight = float("nan")
        if not sep or not fam or not (0 < weight < float("inf")):
            raise ValueError("family weight %r: expected family=weight with a weight above 0" % item)
        out[fam] = weight
    return out


def draw_probabilities(rows, weights):
    """Probabilities for drawing each of `rows` (clips of one class) in proportion to its family's weight
    (families without a weight count 1), or None when every weight is 1 (a uniform walk is cheaper)."""
    w = [weights.get(family_of(r), 1.0) for r in rows]
    if all(x == 1.0 for x in w):
        return None
    total = sum(w)
    return [x / total for x in w]


def minutes_table(manifest_path):
    """Markdown table of clips and minutes per family and split of a corpus manifest (copy 0 and its
    rearrangements counted alike: what training actually draws from), with each family's share of its class's
    training minutes."""
    import csv
    import gzip
    from collections import defaultdict

    opener = gzip.open if manifest_path.endswith(".gz") else open
    with opener(manifest_path, "rt") as f:
        rows = list(csv.DictReader(f))
    splits = ("train", "val", "test", "heldout")
    mins, clips, label = defaultdict(float), defaultdict(int), {}
    for r in rows:
        fam = family_of(r)
        label[fam] = r["label"]
        mins[fam, r["split"]] += float(r["seconds"]) / 60
        clips[fam, r["split"]] += 1
    train_total = defaultdict(float)
    for fam in label:
        train_total[label[fam]] += mins[fam, "train"]
    out = ["| family | class | " + " | ".join("%s clips / min" % s for s in splits) + " | share of class (train min) |",
           "|---|---|" + "---|" * len(splits) + "---|"]
    for fam in sorted(label, key=lambda f: (label[f], -mins[f, "train"])):
        cells = ["%d / %.1f" % (clips[fam, s], mins[fam, s]) for s in splits]
        share = 100 * mins[fam, "train"] / max(train_total[label[fam]], 1e-9)
        out.append("| %s | %s | %s | %.1f %% |" % (fam, label[fam], " | ".join(cells), share))
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(minutes_table(sys.argv[1] if len(sys.argv) > 1 else "models/.cache/corpus/manifest.csv"))
