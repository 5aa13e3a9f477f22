"""Leave-source-out evaluation: EER on each source family (families.py) by a model that never saw that family.

For each fold F: train.py --exclude-families F (F's clips are left out of training and of checkpoint selection),
then score F's clips, from every split, against a fixed reference of the other class: the clips of the other
class in the test and held-out splits (none of them of family F). The report gives the EER of every fold, their
mean and their worst; recipes, checkpoints and thresholds are chosen by those two numbers, not by the in-domain
test split (docs/model-training.md).

  leave_source_out.py --folds all --minutes 20 --seeds 1234          # k folds, one training each
  leave_source_out.py --folds splice,unit-selection,fotaq            # the most informative subset
  leave_source_out.py --folds copy-griffin-lim+fotaq,splice+drascula-es --minutes 25
      # grouped folds: each '+' group is left out of one training together, and each of its families is scored
      # against that model; cheaper than one training per family, and pessimistic (the model saw less)
  leave_source_out.py --folds a+b,c+d --init models/.cache/base-v5.pt --lr 1e-4 --minutes 22
      # the fine-tuning recipe: each fold starts from v5's weights (v5 never saw the added families)
  leave_source_out.py --score-only models/realtone-wavlm-small/model.pt --unseen drascula-en,...
      # no training: score one checkpoint family by family the same way (for a model that never saw a family,
      # e.g. v5 and every family added after it, this is its leave-source-out EER on that family)

Writes <out>/lso.json (and one train directory per fold and seed).
"""
import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, roc_eer, stable_hash, write_json  # noqa: E402
from data import Split  # noqa: E402
from families import family_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPLITS = ("train", "val", "test", "heldout")
REFERENCE_SPLITS = ("test", "heldout")


def log(*a):
    print("[lso]", *a, flush=True)


def load_splits(corpus):
    return {s: Split(corpus, s) for s in SPLITS if os.path.exists(os.path.join(corpus, "%s_labels.npy" % s))}


def family_index(splits):
    """{family: (label, [(split, clip index), ...])} over every split."""
    out = {}
    for s, sp in splits.items():
        for i, r in enumerate(sp.rows):
            f = family_of(r)
            out.setdefault(f, (int(sp.labels[i]), []))[1].append((s, i))
    return out


def pick(items, n, seed, tag):
    """A deterministic subsample of at most n items."""
    if len(items) <= n:
        return list(items)
    r = np.random.default_rng(stable_hash(seed, "lso-pick", tag))
    return [items[j] for j in sorted(r.choice(len(items), n, replace=False))]


def fold_eer(model, splits, fam_idx, fam, per_family, seed, cache=None, bf16=False):
    """EER of family `fam` against the other class of the reference splits (families other than fam).
    `cache` ({(split, clip): score}, one per model) saves scoring the shared reference clips again."""
    from train import score_clips

    label, items = fam_idx[fam]
    ref = [(s, i) for s in REFERENCE_SPLITS if s in splits for i in range(len(splits[s]))
           if int(splits[s].labels[i]) != label and family_of(splits[s].rows[i]) != fam]
    items = pick(items, per_family, seed, fam)
    ref = pick(ref, per_family * 2, seed, "ref-" + fam)
    cache = {} if cache is None else cache
    scores, labels = [], []
    for group in (items, ref):
        by_split = {}
        for s, i in group:
            by_split.setdefault(s, []).append(i)
        for s, idx in by_split.items():
            todo = [i for i in idx if (s, i) not in cache]
            if todo:
                cache.update({(s, i): v for i, v in zip(todo, score_clips(model, splits[s], np.array(todo), bf16=bf16))})
            scores.append(np.array([cache[(s, i)] for i in idx]))
            labels.append(splits[s].labels[np.array(idx)])
    e, thr = roc_eer(np.concatenate(scores), np.concatenate(labels))
    # the family's own logits are kept, so that thresholds can be judged on sources never trained on (lso_table.py)
    return dict(eer=round(100 * e, 2), threshold_logit=round(float(thr), 4), n_family=len(items), n_reference=len(ref),
                family_label="synthetic" if label else "human",
                family_logits=[round(float(cache[k]), 4) for k in items])


def load_model(ckpt, threads=2):
    import torch
    from wavlm import WavLMSpoofDetector, config_for_checkpoint

    torch.set_num_threads(threads)
    m = WavLMSpoofDetector(config_for_checkpoint(ckpt))
    m.load_state_dict(torch.load(ckpt, map_location="cpu"))
    m.eval()
    return m


def summarize(per):
    vals = [v["eer"] for v in per.values()]
    worst = max(per, key=lambda f: per[f]["eer"]) if per else None
    return dict(mean_eer=round(float(np.mean(vals)), 2) if vals else None, worst_eer=per[worst]["eer"] if worst else None,
                worst_family=worst, folds=len(vals))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(CACHE, "corpus"))
    ap.add_argument("--out", default=os.path.join(CACHE, "lso"))
    ap.add_argument("--folds", default="all", help="'all' or comma-separated families")
    ap.add_argument("--seeds", default="1234", help="comma-separated seeds (variance over seeds)")
    ap.add_argument("--minutes", type=float, default=20.0, help="training cap per fold")
    ap.add_argument("--steps", type=int, default=30000)
    ap.add_argument("--per-family", type=int, default=300, help="clips scored per family (reference: twice that)")
    ap.add_argument("--score-only", default="", help="checkpoint to score family by family without training")
    ap.add_argument("--bf16", type=int, choices=(0, 1), default=0,
                    help="1: score under bfloat16 autocast (2-3x faster where the CPU has native bf16; the runtime scores in "
                         "float32, so compare only figures scored the same way)")
    ap.add_argument("--threads", type=int, default=2,
                    help="torch threads for training and scoring (1 on a machine whose cores are busy with other work: "
                         "OpenMP regions on 2 threads wait for a thread that is not scheduled)")
    ap.add_argument("--init", default="", help="train each fold from this state dict (fine-tuning; train.py --init)")
    ap.add_argument("--lr", type=float, default=0.0, help="peak learning rate of each fold (0: train.py's default)")
    ap.add_argument("--family-weights", default="", help="train each fold with these family sampling weights (train.py --family-weights)")
    ap.add_argument("--unseen", default="", help="with --score-only: families the checkpoint never saw (reported as its LSO EER)")
    args = ap.parse_args()
    splits = load_splits(args.corpus)
    fam_idx = family_index(splits)
    groups = [[f] for f in sorted(fam_idx)] if args.folds == "all" else [g.split("+") for g in args.folds.split(",") if g]
    fams = [f for g in groups for f in g]
    unknown = [f for f in fams if f not in fam_idx]
    if unknown:
        raise SystemExit("families not in this corpus: %s (present: %s)" % (",".join(unknown), ",".join(sorted(fam_idx))))
    log("families: %s" % ", ".join("%s(%s, %d clips)" % (f, "syn" if fam_idx[f][0] else "hum", len(fam_idx[f][1])) for f in sorted(fam_idx)))
    os.makedirs(args.out, exist_ok=True)
    report = dict(corpus=args.corpus, reference_splits=list(REFERENCE_SPLITS), per_family_clips=args.per_family, bf16_scoring=bool(args.bf16))
    if args.score_only:
        model = load_model(args.score_only, args.threads)
        seed = int(args.seeds.split(",")[0])
        cache = {}
        per = {}
        for f in fams:
            t = time.time()
            per[f] = fold_eer(model, splits, fam_idx, f, args.per_family, seed, cache, bool(args.bf16))
            log("%s scored in %.0fs (%d clips scored so far)" % (f, time.time() - t, len(cache)))
        unseen = {f for f in args.unseen.split(",") if f}
        report.update(checkpoint=args.score_only, per_family=per, unseen=sorted(unseen),
                      unseen_summary=summarize({f: v for f, v in per.items() if f in unseen}),
                      all_summary=summarize(per))
        for f, v in per.items():
            log("%-20s %s EER %.2f%% (%d vs %d)%s" % (f, v["family_label"], v["eer"], v["n_family"], v["n_reference"], " unseen" if f in unseen else ""))
    else:
        runs = {}
        for seed in [int(s) for s in args.seeds.split(",")]:
            per = {}
            for g in groups:
                name = "+".join(g)
                d = os.path.join(args.out, "s%d" % seed, name)
                cmd = [sys.executable, os.path.join(HERE, "train.py"), "--seed", str(seed), "--corpus", args.corpus, "--out", d,
                       "--steps", str(args.steps), "--max-minutes", str(args.minutes), "--exclude-families", ",".join(g), "--threads", str(args.threads)]
                cmd += ["--init", args.init] if args.init else []
                cmd += ["--lr", str(args.lr)] if args.lr > 0 else []
                cmd += ["--family-weights", args.family_weights] if args.family_weights else []
                log("fold %s seed %d: %s" % (name, seed, " ".join(cmd)))
                subprocess.run(cmd, check=True)
                model, cache = load_model(os.path.join(d, "best.pt"), args.threads), {}
                steps = json.load(open(os.path.join(d, "train_log.json")))["steps_done"]
                for f in g:
                    per[f] = dict(fold_eer(model, splits, fam_idx, f, args.per_family, seed, cache, bool(args.bf16)), fold=name, train_steps=steps)
                    log("fold %s seed %d: %s EER %.2f%% (%d steps)" % (name, seed, f, per[f]["eer"], steps))
                write_json(os.path.join(args.out, "lso.json"), dict(report, partial=True, runs=runs | {seed: per}))
            runs[seed] = dict(per_family=per, summary=summarize(per))
        means = [r["summary"]["mean_eer"] for r in runs.values()]
        report.update(runs=runs, minutes_per_fold=args.minutes, init=args.init or None, lr=args.lr or None, family_weights=args.family_weights or None, mean_eer_over_seeds=round(float(np.mean(means)), 2),
                      mean_eer_sd_over_seeds=round(float(np.std(means)), 2) if len(means) > 1 else None)
    write_json(os.path.join(args.out, "lso.json"), report)
    log(json.dumps({k: v for k, v in report.items() if k.endswith("summary") or k.startswith("mean")}))


if __name__ == "__main__":
    main()
