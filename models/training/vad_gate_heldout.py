"""What the VAD gate (VAD_MIN_SPEECH_FRACTION) does to the detector's EER, measured on the held-out WAV files that
cli_heldout.py writes (models/.cache/cli-heldout: 200 human, 200 synthetic, clean 16 kHz mono, 3-8 s).

One `realtone analyze --extractors vad` run gives every chunk's score and Silero speech fraction; each gate
threshold is then applied as the product applies it (a chunk under the threshold is not judged, `no_speech`) and the
file's overall score is recomputed with the product's default policy (mean of the top third of the judged chunks,
docs/verdict.md). Files left with no judged chunk get no verdict (the product answers `empty_audio`): they are
counted per class and left out of the EER, so a gate that drops many synthetic files shows up here, not hidden.
Usage: vad_gate_heldout.py [--dir models/.cache/cli-heldout] [--thresholds 0,0.1,0.2,0.3,0.5]
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, REPO, roc_eer, write_json  # noqa: E402


def overall(scores, fraction=1 / 3):
    if not scores:
        return None
    s = sorted(scores, reverse=True)
    k = max(1, math.ceil(len(s) * fraction - 1e-9))
    return sum(s[:k]) / k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(CACHE, "cli-heldout"))
    ap.add_argument("--thresholds", default="0,0.1,0.2,0.3,0.5")
    ap.add_argument("--out", default=os.path.join(CACHE, "eval", "vad_gate_heldout.json"))
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(args.dir, "*.wav")))
    if not files:
        raise SystemExit("no WAV files in %s: run models/training/cli_heldout.py first" % args.dir)
    cmd = ["node", os.path.join(REPO, "scripts", "realtone.mjs"), "analyze", "--extractors", "vad"] + files
    env = dict(os.environ, VAD_MIN_SPEECH_FRACTION="0")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env, timeout=3600)
    lines = [json.loads(ln) for ln in r.stdout.decode().splitlines() if ln.strip()]
    failed = [ln["file"] for ln in lines if not ln.get("ok")]
    if failed:
        raise SystemExit("analyze failed on %d files (first %s)" % (len(failed), failed[0]))
    rows = []
    for ln in lines:
        label = 1 if os.path.basename(ln["file"]).startswith("synthetic") else 0
        chunks = [(c["score"], c["features"]["vad"]["speech_fraction"]) for c in ln["chunks"] if c["score"] is not None]
        rows.append((label, chunks, ln["features"]["vad"]["speech_fraction"]))
    results = []
    for t in [float(x) for x in args.thresholds.split(",")]:
        scores, labels = [], []
        dropped = {0: 0, 1: 0}
        chunks_dropped = {0: 0, 1: 0}
        chunks_total = {0: 0, 1: 0}
        for label, chunks, _ in rows:
            kept = [s for s, sf in chunks if t == 0 or sf >= t]
            chunks_total[label] += len(chunks)
            chunks_dropped[label] += len(chunks) - len(kept)
            o = overall(kept)
            if o is None:
                dropped[label] += 1
                continue
            scores.append(o)
            labels.append(label)
        eer, _ = roc_eer(np.array(scores), np.array(labels))
        results.append(dict(
            min_speech_fraction=t, eer_pct=round(100 * eer, 2), files_judged=len(scores),
            files_without_verdict=dict(human=dropped[0], synthetic=dropped[1]),
            chunks_gated=dict(human=chunks_dropped[0], synthetic=chunks_dropped[1]),
            chunks=dict(human=chunks_total[0], synthetic=chunks_total[1]),
        ))
        print("[vad-gate] threshold %.2f: EER %.2f%%, files without verdict human %d / synthetic %d, chunks gated %d / %d"
              % (t, 100 * eer, dropped[0], dropped[1], chunks_dropped[0], chunks_dropped[1]), flush=True)
    sf = {lab: [x[2] for x in rows if x[0] == lab] for lab in (0, 1)}
    res = dict(
        protocol="held-out WAVs of cli_heldout.py, one `realtone analyze --extractors vad` run, gate applied per chunk",
        files=len(rows), results=results,
        file_speech_fraction=dict(
            human=dict(median=float(np.median(sf[0])), p10=float(np.percentile(sf[0], 10)), min=float(np.min(sf[0]))),
            synthetic=dict(median=float(np.median(sf[1])), p10=float(np.percentile(sf[1], 10)), min=float(np.min(sf[1]))),
        ),
    )
    write_json(args.out, res)
    print(json.dumps(res["file_speech_fraction"]))


if __name__ == "__main__":
    main()
