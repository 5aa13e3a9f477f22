"""Train the compact WavLM-architecture detector on the corpus (CPU, 2 threads, step budget and wall-clock cap).

Model selection: validation EER on the whole (speaker/voice-disjoint) validation split, every --eval-every
steps from half-way, for both the live weights and their exponential moving average; the best of all those
candidates is kept. The learning-rate schedule follows the larger of step progress and wall-clock progress,
so a slower machine anneals on time and stops at --max-minutes (the log says so).
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

# Before numpy/torch load OpenBLAS: Debian's torch does float32 matmuls through OpenBLAS, whose own pthreads
# contend with torch's OpenMP threads on 2 cores (measured on a 2-vCPU AVX2 EPYC: 1.0 s per float32 step with
# OpenBLAS threaded, 0.6 s single-threaded, the same losses). torch parallelises around the GEMMs itself.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, env_flag, loaded_blas, roc_eer, seed_everything, sha256_file, stable_hash, write_json  # noqa: E402
from data import Split, eval_chunks, train_example  # noqa: E402
from families import draw_probabilities, family_of, leave_out_mask, parse_family_weights  # noqa: E402
from wavlm import WavLMSpoofDetector, count_parameters, small_config  # noqa: E402


def log(*a):
    print("[train]", *a, flush=True)


def score_clips(model, split, idx, batch=32, bf16=False):
    """Mean chunk logit per clip using the runtime's chunking (bf16: autocast, for quick model selection)."""
    chunks, owner = [], []
    for j, i in enumerate(idx):
        for c in eval_chunks(split.clip(i)):
            chunks.append(c)
            owner.append(j)
    out = np.zeros(len(chunks), np.float64)
    model.eval()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for a in range(0, len(chunks), batch):
            xb = torch.from_numpy(np.stack(chunks[a:a + batch]))
            out[a:a + batch] = model(xb).float().double().numpy()
    owner = np.array(owner)
    scores = np.array([out[owner == j].mean() if (owner == j).any() else 0.0 for j in range(len(idx))])
    return scores


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bfloat16 dot products natively (AVX512-BF16 or AMX); elsewhere oneDNN
    emulates bf16 and autocast would be slower than float32."""
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_bf16(mode: str) -> bool:
    if mode == "on":
        return True
    if mode == "off":
        return False
    return cpu_has_native_bf16()


def configure_torch(threads: int):
    torch.set_num_threads(threads)
    # oneDNN stays on: its conv backward was wrong only for a non-contiguous grad_output, which the model now
    # never produces (wavlm._EncoderGrad); it is ~1.5x faster than the native kernels here.
    torch.backends.mkldnn.enabled = True
    # tiny Adam second moments and late-training gradients become denormals, which are very slow on x86
    torch.set_flush_denormal(True)


def make_optimizer(model, lr: float):
    """AdamW with weight decay on matrices only (not on norms, biases or other vectors)."""
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "norm" in n or "ln" in n or n.endswith(".bias") else decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.02}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.98), eps=1e-6, foreach=True)


def band_matched_weights(train):
    """Sampling probabilities for the training split's synthetic clips such that their bandwidth distribution
    equals the human clips'. The corpus draws a synthetic clip's band from the human distribution but never
    above the clip's native band, so native-8 kHz synthesis (codec2, 8 kHz voices) piles up at 4000 Hz:
    35 % of synthetic against 23 % of human training clips in the committed corpus, a 1.5x likelihood ratio
    for "synthetic" that the model can learn from the band alone; the false alarms on the Russian IVR test
    voice (a human speaker recorded at 8 kHz) of two builds all sat at 4000 Hz. Opt-in (TRAIN_BAND_BALANCE=1):
    one build with it did not beat the committed model (docs/model-training.md). Bands with clips of only one
    class keep that class's share (nothing to match)."""
    bw = np.array([int(r["bandwidth_hz"]) for r in train.rows])
    bw_h, bw_s = bw[train.labels == 0], bw[train.labels == 1]
    p = np.zeros(len(bw_s))
    for b in np.unique(bw_s):
        at_b = bw_s == b
        share = np.mean(bw_h == b) if np.any(bw_h == b) else np.mean(at_b)
        p[at_b] = share / at_b.sum()
    return p / p.sum()  # bands without synthetic clips leave a human share to spread over the others


def forward_backward(model, opt, xb, yb, bf16: bool):
    """One training forward and backward pass; returns (loss, clipped gradient norm). The caller decides
    whether to apply the update (it skips non-finite ones). bench/train-step.py times exactly this."""
    model.train()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logit = model(xb)
    loss = F.binary_cross_entropy_with_logits(logit.float(), yb)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gnorm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0))
    return float(loss), gnorm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--corpus", default=os.path.join(CACHE, "corpus"))
    ap.add_argument("--out", default=os.path.join(CACHE, "train"))
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=float(os.environ.get("TRAIN_LR", "3e-4")), help="peak learning rate")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--eval-every", type=int, default=750)
    ap.add_argument("--eval-from", type=float, default=0.5, help="progress after which checkpoints are evaluated")
    ap.add_argument("--val-clips", type=int, default=0, help="balanced validation subset for model selection (0: all)")
    ap.add_argument("--max-minutes", type=float, default=32.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--short-crop", type=float, default=2.0, help="seconds of the normalised 4 s window used in phase 1")
    ap.add_argument("--full-from", type=float, default=0.8, help="fraction of steps after which full 4 s windows are used")
    ap.add_argument("--ema", type=float, default=float(os.environ.get("TRAIN_EMA", "0.999")),
                    help="decay of the exponential moving average of the weights that is evaluated and kept (0: off)")
    # env_flag checks TRAIN_BAND_BALANCE itself: argparse applies choices to command-line values only, not defaults
    ap.add_argument("--band-balance", type=int, choices=(0, 1), default=env_flag("TRAIN_BAND_BALANCE"),
                    help="1: draw synthetic training clips so their bandwidth distribution matches the human clips' (default 0: uniform)")
    ap.add_argument("--bf16", choices=["auto", "on", "off"], default=os.environ.get("TRAIN_BF16", "auto"),
                    help="bfloat16 autocast for matmuls and convolutions (auto: on when the CPU has native bf16)")
    ap.add_argument("--exclude-families", default="",
                    help="comma-separated source families (families.py) left out of training and of model selection: "
                         "one fold of the leave-source-out evaluation (leave_source_out.py)")
    ap.add_argument("--family-weights", default=os.environ.get("TRAIN_FAMILY_WEIGHTS", ""),
                    help="family=weight,...: draw those families' training clips that much more (or less) often than "
                         "the other clips of their class, e.g. drascula-en=0.3 (selection is unweighted)")
    ap.add_argument("--init", default=os.environ.get("TRAIN_INIT", ""),
                    help="state dict (model.pt form) to start from instead of random weights: fine-tuning a trained "
                         "model on a broader corpus (the architecture must match small_config())")
    args = ap.parse_args()
    excluded = {f for f in args.exclude_families.split(",") if f}
    try:
        fam_weights = parse_family_weights(args.family_weights)
    except ValueError as e:
        raise SystemExit(str(e))
    if (excluded or fam_weights) and args.band_balance:
        raise SystemExit("--exclude-families or --family-weights and --band-balance 1 cannot be combined (weights are over all clips)")
    configure_torch(args.threads)
    bf16 = resolve_bf16(args.bf16)
    seed_everything(args.seed)
    os.makedirs(args.out, exist_ok=True)
    train = Split(args.corpus, "train")
    val = Split(args.corpus, "val")
    cfg = small_config()
    model = WavLMSpoofDetector(cfg)
    init_sha = ""
    if args.init:
        # strict: a checkpoint of another shape must fail here, not train a half-initialised model
        model.load_state_dict(torch.load(args.init, map_location="cpu"), strict=True)
        init_sha = sha256_file(args.init)
        log("initialised from %s (sha256 %s)" % (args.init, init_sha[:16]))
    blas = loaded_blas()
    log("params %d, train clips %d (synthetic %d), val clips %d, bf16 autocast %s, BLAS %s (%s threads)" % (count_parameters(model), len(train), int(train.labels.sum()), len(val), bf16, blas, os.environ.get("OPENBLAS_NUM_THREADS")))
    # fixed balanced validation subset for model selection
    vr = np.random.default_rng(stable_hash(args.seed, "valsub"))
    val_ok = np.array(leave_out_mask(val.rows, excluded), bool)
    train_ok = np.array(leave_out_mask(train.rows, excluded), bool)
    if excluded:
        log("left out of training and selection: %s (%d train, %d val clips)" % (",".join(sorted(excluded)), int((~train_ok).sum()), int((~val_ok).sum())))
    vh = np.where((val.labels == 0) & val_ok)[0]
    vs = np.where((val.labels == 1) & val_ok)[0]
    k = min(args.val_clips // 2 if args.val_clips > 0 else len(val), len(vh), len(vs))
    val_idx = np.concatenate([vr.choice(vh, k, replace=False), vr.choice(vs, k, replace=False)])
    opt = make_optimizer(model, args.lr)

    def progress(step):
        """Training progress in [0, 1]: by steps, or by wall clock if the machine is slower than planned
        (then the schedule anneals on time and training ends at --max-minutes)."""
        return max(step / args.steps, (time.time() - t0) / 60.0 / args.max_minutes)

    def lr_at(step, p):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))

    t0 = time.time()
    rng = np.random.default_rng(stable_hash(args.seed, "train"))
    # class-balanced batches: the training split holds more synthetic than human clips, so each batch takes
    # half of its examples from each class, walking a fresh permutation of that class when it is used up
    by_class = [np.where((train.labels == c) & train_ok)[0] for c in (0, 1)]
    orders = [rng.permutation(ix) for ix in by_class]
    cursor = [0, 0]
    unknown = set(fam_weights) - {family_of(r) for r in train.rows}
    if unknown:
        raise SystemExit("--family-weights: no training clips of %s" % ",".join(sorted(unknown)))
    class_p = [draw_probabilities([train.rows[i] for i in ix], fam_weights) for ix in by_class]
    if fam_weights:
        log("families drawn with weights %s" % ",".join("%s=%g" % kv for kv in sorted(fam_weights.items())))
    syn_p = band_matched_weights(train) if args.band_balance else class_p[1]
    if syn_p is not None:
        log("synthetic clips drawn with band-matched weights (min %.2f, max %.2f x uniform)" % (syn_p.min() * len(syn_p), syn_p.max() * len(syn_p)))

    def next_batch():
        out = []
        for c, k in ((0, args.batch // 2), (1, args.batch - args.batch // 2)):
            p = syn_p if c == 1 else class_p[0]
            if p is not None:
                out.append(rng.choice(by_class[c], k, replace=False, p=p))
                continue
            if cursor[c] + k > len(orders[c]):
                orders[c] = rng.permutation(by_class[c])
                cursor[c] = 0
            out.append(orders[c][cursor[c]:cursor[c] + k])
            cursor[c] += k
        return np.concatenate(out)
    best = (float("inf"), -1)
    best_kind = "live"
    # exponential moving average of the weights (float32): validated, selected and exported instead of the raw
    # weights, which at the end of a short noisy run sit at a random point of the last few hundred updates
    # (a fresh module loaded from the state dict: deepcopy of a weight-normed module fails once it has run)
    ema = WavLMSpoofDetector(cfg) if args.ema > 0 else None
    if ema is not None:
        ema.load_state_dict(model.state_dict())
    ema_params = list(ema.parameters()) if ema is not None else []
    live_params = list(model.parameters())
    cand_dir = os.path.join(args.out, "candidates")
    os.makedirs(cand_dir, exist_ok=True)
    for f in os.listdir(cand_dir):  # a rerun into the same directory must not mix in an older run's weights
        if f.endswith(".pt"):
            os.remove(os.path.join(cand_dir, f))
    history = []
    losses = []
    gnorms = []
    skipped = 0
    step = 0
    stopped_early = False
    for step in range(args.steps):
        p = progress(step)
        bi = next_batch()
        xb = np.stack([train_example(train.clip(i), rng) for i in bi])
        if p < args.full_from and args.short_crop < 4.0:
            # phase 1: a random piece of each runtime-normalised 4 s window (2x cheaper steps); the relative
            # position bias and mean pooling are length-agnostic. Phase 2 trains on full windows.
            L = int(args.short_crop * 16000)
            a = int(rng.integers(0, xb.shape[1] - L + 1))
            xb = xb[:, a:a + L]
        xb = torch.from_numpy(np.ascontiguousarray(xb))
        yb = torch.from_numpy(train.labels[bi].astype(np.float32))
        for g in opt.param_groups:
            g["lr"] = lr_at(step, p)
        loss, gnorm = forward_backward(model, opt, xb, yb, bf16)
        if math.isfinite(gnorm) and math.isfinite(loss):
            opt.step()
            if ema is not None:
                with torch.no_grad():
                    d = min(args.ema, (1.0 + step) / (10.0 + step))  # short horizon early on
                    torch._foreach_mul_(ema_params, d)
                    torch._foreach_add_(ema_params, live_params, alpha=1.0 - d)
            losses.append(loss)
            gnorms.append(gnorm)
        else:
            # guard: a non-finite loss or gradient never reaches the weights
            skipped += 1
            opt.zero_grad(set_to_none=True)
            log("step %d: non-finite loss/gradient (loss %s, grad norm %s) - update skipped" % (step + 1, loss, gnorm))
        last = step == args.steps - 1
        # the final validation must fit inside --max-minutes too: reserve what the previous one took
        eval_s = history[-1]["eval_seconds"] if history else 0.0
        over = (time.time() - t0 + eval_s) / 60 >= args.max_minutes
        if (step + 1) % 20 == 0:
            log("step %d loss %.4f grad-norm %.2f lr %.2e progress %.2f %.1f s/step elapsed %.1f min" % (step + 1, np.mean(losses[-20:]), np.mean(gnorms[-20:]), lr_at(step, p), p, (time.time() - t0) / (step + 1), (time.time() - t0) / 60))
        # at the cap, a validation run a few steps ago already scored (nearly) these weights
        final = (last or over) and (not history or step + 1 - history[-1]["step"] >= max(1, args.eval_every // 10))
        if ((step + 1) % args.eval_every == 0 and p >= args.eval_from) or final:
            te = time.time()
            # both the live weights and their moving average are candidates; the history keeps both EERs
            cands = [("live", model)] + ([("ema", ema)] if ema is not None else [])
            eers = {}
            for kind, m in cands:
                sc = score_clips(m, val, val_idx, bf16=bf16)
                eers[kind], _ = roc_eer(sc, val.labels[val_idx])
            kind = min(eers, key=lambda k: (eers[k], k != "ema"))
            eer = eers[kind]
            history.append(dict(step=step + 1, train_loss=float(np.mean(losses[-args.eval_every:])), val_eer=eer,
                                val_eer_live=eers["live"], val_eer_ema=eers.get("ema"), minutes=round((time.time() - t0) / 60, 2),
                                eval_seconds=round(time.time() - te, 1)))
            log("eval step %d: val EER %s (%.0fs)" % (step + 1, ", ".join("%s %.2f%%" % (k, 100 * v) for k, v in eers.items()), history[-1]["eval_seconds"]))
            # every candidate is kept (about 6 MB each, git-ignored) so that a finished build can be studied
            # afterwards (snapshot ensembles, other selection rules) without training again
            cand_files = {k: os.path.join(cand_dir, "step%05d_%s.pt" % (step + 1, k)) for k, _ in cands}
            for k, m in cands:
                torch.save(m.state_dict(), cand_files[k])
            if eer <= best[0]:
                best = (eer, step + 1)
                best_kind = kind
                shutil.copyfile(cand_files[kind], os.path.join(args.out, "best.pt"))  # already serialised above
        if over and not last:
            log("wall-clock cap of %.0f min reached at step %d; stopping" % (args.max_minutes, step + 1))
            stopped_early = True
            break
    torch.save((ema if ema is not None else model).state_dict(), os.path.join(args.out, "last.pt"))
    write_json(os.path.join(args.out, "train_log.json"), dict(
        seed=args.seed, steps_done=step + 1, steps_planned=args.steps, batch=args.batch, lr=args.lr, warmup=args.warmup,
        stopped_early=stopped_early, skipped_updates=skipped, max_minutes=args.max_minutes, short_crop=args.short_crop, full_from=args.full_from, band_balance=args.band_balance, excluded_families=sorted(excluded), family_weights=fam_weights, init=args.init, init_sha256=init_sha, best_val_eer=best[0], best_step=best[1], best_weights=best_kind, history=history, config=cfg.to_dict(),
        minutes=round((time.time() - t0) / 60, 2), torch=torch.__version__, threads=args.threads, openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS"), blas=blas, bf16=bf16, ema=args.ema))
    log("done: best val EER %.2f%% at step %d (%s weights), %.1f min" % (100 * best[0], best[1], best_kind, (time.time() - t0) / 60))


if __name__ == "__main__":
    main()
