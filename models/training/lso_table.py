"""Side-by-side leave-source-out reports (leave_source_out.py's lso.json), for the model card and docs.

  lso_table.py v5=models/.cache/lso-v5/lso.json fine-tune=models/.cache/lso-ft-a/lso.json,models/.cache/lso-ft-b/lso.json \\
      --thresholds 0.7865,0.8525 --json models/realtone-wavlm-small/leave-source-out.json

Each NAME=PATH[,PATH...] is one column: a --score-only report (its --unseen families), or the folds of one recipe
split over several reports (grouped folds run side by side). Only families present in every column are compared;
the last rows give each column's mean and worst over them. With --thresholds P1,P2 (probabilities), also the share of
each family's clips on the wrong side of each threshold (false alarms for a human family, misses for a synthetic
one), from the per-clip logits the reports keep. --json writes the comparison (make_card.py renders it).
"""
import argparse
import json
import math

import numpy as np


def per_family(path):
    r = json.load(open(path))
    if "per_family" in r:  # --score-only
        unseen = set(r.get("unseen") or r["per_family"])
        return {f: v for f, v in r["per_family"].items() if f in unseen}
    out = {}
    for run in r["runs"].values():  # the first seed
        out.update(run["per_family"])
        break
    return out


def wrong_side(v, p):
    """Share of the family's clips on the wrong side of probability threshold p (None without per-clip logits)."""
    if not v.get("family_logits"):
        return None
    logit = math.log(p / (1 - p))
    s = np.array(v["family_logits"])
    return round(100 * float(np.mean(s >= logit) if v["family_label"] == "human" else np.mean(s < logit)), 1)


def compare(specs, thresholds=()):
    cols = []
    for spec in specs:
        name, paths = spec.split("=", 1)
        fams = {}
        for p in paths.split(","):
            fams.update(per_family(p))
        cols.append((name, paths.split(","), fams))
    fams = sorted(set.intersection(*(set(f) for _, _, f in cols)))
    out = dict(families=fams, thresholds=list(thresholds), columns=[])
    for name, paths, per in cols:
        out["columns"].append(dict(
            name=name, reports=paths,
            per_family={f: dict(eer=per[f]["eer"], label=per[f]["family_label"], n=per[f]["n_family"],
                                wrong_side_pct=[wrong_side(per[f], t) for t in thresholds]) for f in fams},
            mean_eer=round(float(np.mean([per[f]["eer"] for f in fams])), 2),
            worst_eer=max(per[f]["eer"] for f in fams), worst_family=max(fams, key=lambda f: per[f]["eer"])))
    return out


def markdown(c):
    cols, thr = c["columns"], c["thresholds"]
    head = ["family", "class"] + ["%s EER %%" % k["name"] for k in cols]
    head += ["%s, wrong side of %.4g" % (k["name"], t) for k in cols for t in thr]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in c["families"]:
        row = [f, cols[0]["per_family"][f]["label"]] + ["%.2f" % k["per_family"][f]["eer"] for k in cols]
        row += ["—" if w is None else "%.0f %%" % w for k in cols for w in k["per_family"][f]["wrong_side_pct"]]
        lines.append("| " + " | ".join(row) + " |")
    pad = [""] * (len(cols) * len(thr))
    lines.append("| " + " | ".join(["**mean**", ""] + ["**%.2f**" % k["mean_eer"] for k in cols] + pad) + " |")
    lines.append("| " + " | ".join(["**worst**", ""] + ["%.2f (%s)" % (k["worst_eer"], k["worst_family"]) for k in cols] + pad) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("columns", nargs="+", help="NAME=lso.json[,lso.json...]")
    ap.add_argument("--thresholds", default="", help="comma-separated probabilities")
    ap.add_argument("--json", default="", help="also write the comparison here")
    args = ap.parse_args()
    c = compare(args.columns, [float(t) for t in args.thresholds.split(",") if t])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(c, f, indent=1)
            f.write("\n")
    print(markdown(c))


if __name__ == "__main__":
    main()
