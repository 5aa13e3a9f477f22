"""ONNX export + parity fixtures + model.json, shared by the small model and the WavLM-Base-sized graph.

export_model(model, out_dir, ...) writes:
  model.onnx                opset 17, input `waveform` float32 [batch, 64000], output `logit` float32 [batch]
  parity/inputs.f32         little-endian float32 [N, 64000], already normalised (what enters the graph)
  parity/outputs.f32        little-endian float32 [N], PyTorch logits for those inputs
  parity/parity.json        {n, shape, atol, dtype, ...}
  model.json                realtone.model/v1 manifest
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, MODEL_DIR, WINDOW, normalize_chunk, repeat_pad, runtime_chunks, sha256_file, stable_hash, write_json  # noqa: E402
from wavlm import WavLMConfig, WavLMSpoofDetector, config_for_checkpoint, count_parameters, estimate_flops, fold_weight_norm  # noqa: E402

# The default detector's recipe (corpus, model, training). Bump the major version when any of them changes.
# 5: band-matched corpus (CORPUS_BAND_MATCH=1, default since model v5).
RECIPE_VERSION = "5.0.0"
STANDARD_DOMAINS = {"", "ai.onnx"}


def log(*a):
    print("[export]", *a, flush=True)


# EXPORT_CONV_AS_2D=0 exports the convolutions as they are (Conv1d), to compare.
CONV_AS_2D = os.environ.get("EXPORT_CONV_AS_2D", "1") == "1"


class InstanceNormAffine(nn.Module):
    """A GroupNorm with one channel per group, computed as instance norm with the affine inside.

    GroupNorm(C, C) normalises each channel over time: that is InstanceNormalization, whose own per-channel scale and
    bias are the GroupNorm's affine. torch exports GroupNorm as Reshape, InstanceNormalization with ones and zeros,
    Reshape, Mul, Add; onnxruntime then makes three passes over the largest tensor of the graph ([B, 64, 12799]) where
    one does. Same weights, same arithmetic per element (parity checked by the caller)."""

    def __init__(self, gn: nn.GroupNorm):
        super().__init__()
        assert gn.num_groups == gn.num_channels and gn.affine, (gn.num_groups, gn.num_channels)
        self.weight, self.bias, self.eps = gn.weight, gn.bias, gn.eps

    def forward(self, x):
        return F.instance_norm(x.float(), weight=self.weight, bias=self.bias, eps=self.eps)


class Conv1dAs2d(nn.Module):
    """A Conv1d computed as a Conv2d over [B, C, 1, T] with a [Cout, Cin/groups, 1, K] kernel: the same sums of the same
    products. onnxruntime lays 2-D convolutions out in channel blocks (its NCHWc transformer, MLAS's direct
    convolution kernels) and runs them faster than its 1-D im2col path (docs/performance.md)."""

    def __init__(self, conv: nn.Conv1d):
        super().__init__()
        assert conv.padding_mode == "zeros" and isinstance(conv.padding, tuple), (conv.padding_mode, conv.padding)
        self.weight, self.bias = conv.weight, conv.bias
        self.stride, self.padding, self.dilation, self.groups = conv.stride[0], conv.padding[0], conv.dilation[0], conv.groups

    def forward(self, x):
        y = F.conv2d(x.unsqueeze(2), self.weight.unsqueeze(2), self.bias, stride=(1, self.stride),
                     padding=(0, self.padding), dilation=(1, self.dilation), groups=self.groups)
        return y.squeeze(2)


def for_inference_graph(model):
    """The graph the runtime runs: one-channel-per-group GroupNorms as InstanceNormAffine, and every Conv1d as
    Conv1dAs2d. Training code, weights and state-dict keys stay as they are; only the exported graph changes."""
    for m in model.modules():
        norm = getattr(m, "norm", None)
        if isinstance(norm, nn.GroupNorm) and norm.num_groups == norm.num_channels and norm.affine:
            m.norm = InstanceNormAffine(norm)
        conv = getattr(m, "conv", None)
        if CONV_AS_2D and isinstance(conv, nn.Conv1d) and not hasattr(conv, "weight_g"):
            m.conv = Conv1dAs2d(conv)
    return model


def onnx_export(model, path):
    model = for_inference_graph(copy.deepcopy(model)).eval()
    dummy = torch.zeros(2, WINDOW)
    torch.onnx.export(
        model, (dummy,), path, opset_version=17, input_names=["waveform"], output_names=["logit"],
        dynamic_axes={"waveform": {0: "batch"}, "logit": {0: "batch"}}, do_constant_folding=True,
    )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    domains = {n.domain for n in m.graph.node}
    assert domains <= STANDARD_DOMAINS, domains
    assert m.opset_import[0].version == 17
    (inp,) = m.graph.input
    (out,) = m.graph.output
    ishape = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    oshape = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    assert inp.name == "waveform" and ishape == ["batch", WINDOW], (inp.name, ishape)
    assert out.name == "logit" and oshape == ["batch"], (out.name, oshape)
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT and out.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    return ops


def write_parity(model, out_dir, inputs, descriptions, atol=1e-4):
    pdir = os.path.join(out_dir, "parity")
    os.makedirs(pdir, exist_ok=True)
    x = np.stack(inputs).astype("<f4")
    model.eval()
    with torch.no_grad():
        y = model(torch.from_numpy(x.astype(np.float32))).numpy().astype("<f4")
        # batch-independence: each row alone gives the same logit
        for i in range(len(x)):
            yi = model(torch.from_numpy(x[i:i + 1].astype(np.float32))).numpy()
            assert abs(float(yi[0]) - float(y[i])) < 1e-4, (i, yi, y[i])
    x.tofile(os.path.join(pdir, "inputs.f32"))
    y.tofile(os.path.join(pdir, "outputs.f32"))
    write_json(os.path.join(pdir, "parity.json"), dict(
        n=int(len(x)), shape=[int(len(x)), WINDOW], atol=atol, dtype="float32", byte_order="little",
        inputs="inputs.f32", outputs="outputs.f32", input_name="waveform", output_name="logit",
        normalized=True,
        note="inputs are already normalised per chunk ((x-mean)/sqrt(var+1e-7)); outputs are PyTorch logits",
        items=descriptions,
    ))
    return y


def write_manifest(out_dir, name, description, fixture, thresholds, parameters, flops, corpus, card, version="1.0.0",
                   version_with_hash=False):
    """version_with_hash: append the first 8 hex digits of the ONNX file's sha256 as semver build metadata."""
    onnx_path = os.path.join(out_dir, "model.onnx")
    digest = sha256_file(onnx_path)
    manifest = {
        "schema": "realtone.model/v1",
        "name": name,
        "version": "%s+%s" % (version, digest[:8]) if version_with_hash else version,
        "fixture": fixture,
        "description": description,
        "file": "model.onnx",
        "sha256": digest,
        "sample_rate": 16000,
        "chunk": {"window_samples": 64000, "hop_samples": 64000, "min_samples": 16000, "tail": "end_aligned", "short_pad": "repeat"},
        "normalization": {"kind": "zero_mean_unit_variance", "epsilon": 1e-7},
        "input": {"name": "waveform", "dtype": "float32", "shape": ["batch", 64000]},
        "output": {"name": "logit", "kind": "logit", "shape": ["batch"]},
        "thresholds": {"likely_fake": float(thresholds["likely_fake"]), "fake": float(thresholds["fake"])},
        "batch_size": 8,
        "parameters": int(parameters),
        "flops_per_chunk": int(flops),
        "training": {"corpus": corpus, "card": card},
    }
    write_json(os.path.join(out_dir, "model.json"), manifest)
    return manifest


def pick_parity_inputs(corpus_dir, seed):
    """One real human chunk, one synthetic chunk, one noise chunk, one repeat-padded short clip (test split)."""
    from data import Split

    sp = Split(corpus_dir, "test")
    lens = np.diff(sp.offsets)
    rng = np.random.default_rng(stable_hash(seed, "parity"))
    hum = [i for i in range(len(sp)) if sp.labels[i] == 0 and lens[i] >= WINDOW]
    syn = [i for i in range(len(sp)) if sp.labels[i] == 1 and lens[i] >= WINDOW]
    short = [i for i in range(len(sp)) if 16000 <= lens[i] < 48000]
    ih, iy, is_ = hum[int(rng.integers(len(hum)))], syn[int(rng.integers(len(syn)))], short[int(rng.integers(len(short)))]
    noise = rng.standard_normal(WINDOW).astype(np.float32) * 0.05
    items = [
        (runtime_chunks(sp.clip(ih))[0], "human speech, test split: %s" % sp.rows[ih]["clip_id"]),
        (runtime_chunks(sp.clip(iy))[0], "synthetic speech, test split: %s" % sp.rows[iy]["clip_id"]),
        (noise, "white gaussian noise"),
        (repeat_pad(sp.clip(is_)), "short clip (%d samples) repeat-padded, test split: %s" % (lens[is_], sp.rows[is_]["clip_id"])),
    ]
    return [normalize_chunk(x) for x, _ in items], [d for _, d in items]


def reexport(out_dir):
    """Export the committed weights (out_dir/model.pt, config.json) again with the current graph rewrites, without
    the training corpus: the weights, parity fixtures and thresholds stay; model.onnx, its sha256 and the version's
    build hash change. Checks the new graph against the committed PyTorch logits in onnxruntime-node
    (verify_onnx.mjs) before the manifest is rewritten."""
    cfg_json = json.load(open(os.path.join(out_dir, "config.json")))
    model = WavLMSpoofDetector(WavLMConfig(**cfg_json["config"]))
    model.load_state_dict(torch.load(os.path.join(out_dir, cfg_json["state_dict"]), map_location="cpu"))
    fold_weight_norm(model.eval())
    meta = json.load(open(os.path.join(out_dir, "parity", "parity.json")))
    x = np.fromfile(os.path.join(out_dir, "parity", meta["inputs"]), dtype="<f4").reshape(meta["shape"])
    want = np.fromfile(os.path.join(out_dir, "parity", meta["outputs"]), dtype="<f4")
    with torch.no_grad():
        got = model(torch.from_numpy(x.astype(np.float32))).numpy()
    assert np.abs(got - want).max() < 1e-5, ("model.pt does not reproduce the parity outputs", got, want)
    onnx_path = os.path.join(out_dir, "model.onnx")
    ops = onnx_export(model, onnx_path + ".new")
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    os.replace(onnx_path + ".new", onnx_path)
    check = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "verify_onnx.mjs"), out_dir], cwd=repo)
    assert check.returncode == 0, "onnxruntime-node disagrees with the PyTorch logits"
    manifest_path = os.path.join(out_dir, "model.json")
    manifest = json.load(open(manifest_path))
    digest = sha256_file(onnx_path)
    base_version = manifest["version"].split("+")[0]
    manifest["version"] = "%s+%s" % (base_version, digest[:8]) if "+" in manifest["version"] else manifest["version"]
    manifest["sha256"] = digest
    write_json(manifest_path, manifest)
    log("re-exported %s: ops %s; sha256 %s; version %s" % (onnx_path, ", ".join(ops), digest[:12], manifest["version"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reexport", metavar="MODEL_DIR",
                    help="export MODEL_DIR/model.pt again (graph rewrites only; no corpus, no training)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--corpus", default=os.path.join(CACHE, "corpus"))
    ap.add_argument("--ckpt", default=os.path.join(CACHE, "train", "best.pt"))
    ap.add_argument("--metrics", default=os.path.join(CACHE, "eval", "metrics.json"))
    ap.add_argument("--out", default=MODEL_DIR)
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.reexport:
        return reexport(args.reexport)
    t0 = time.time()
    cfg = config_for_checkpoint(args.ckpt)
    model = WavLMSpoofDetector(cfg)
    sd = torch.load(args.ckpt, map_location="cpu")
    model.load_state_dict(sd)
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    torch.save(sd, os.path.join(args.out, "model.pt"))
    write_json(os.path.join(args.out, "config.json"), dict(architecture="WavLMSpoofDetector", module="models/training/wavlm.py", config=cfg.to_dict(), state_dict="model.pt"))
    inputs, desc = pick_parity_inputs(args.corpus, args.seed)
    with torch.no_grad():
        before = model(torch.from_numpy(np.stack(inputs))).numpy()
    fold_weight_norm(model)
    with torch.no_grad():
        after = model(torch.from_numpy(np.stack(inputs))).numpy()
    assert np.abs(before - after).max() < 1e-4, (before, after)
    ops = onnx_export(model, os.path.join(args.out, "model.onnx"))
    y = write_parity(model, args.out, inputs, desc)
    metrics = json.load(open(args.metrics))
    # Every build of one recipe is a different model with its own thresholds (builds are not bitwise
    # deterministic), and job results carry the model's name and version: the recipe's version plus the
    # ONNX file's hash as build metadata keeps results of two builds apart.
    man = write_manifest(
        args.out, "realtone-wavlm-small",
        "Compact WavLM-architecture detector of legacy (formant, diphone, vocoder) synthetic speech, trained on Debian-packaged speech.",
        False, metrics["thresholds"], count_parameters(model), estimate_flops(cfg),
        "Debian packages: human speech (tuxpaint, fillets-ng cs/nl, asterisk prompts, klettres) vs espeak-ng, festival diphone voices, SPTK MLSA and codec2 copy-synthesis; class-symmetric codec/band/noise augmentation",
        "MODEL_CARD.md", version=RECIPE_VERSION, version_with_hash=True,
    )
    log("ops: %s" % ", ".join(ops))
    log("parity logits %s; onnx %.2f MB sha256 %s; %.0fs" % (np.round(y, 4).tolist(), os.path.getsize(os.path.join(args.out, "model.onnx")) / 1e6, man["sha256"][:12], time.time() - t0))


if __name__ == "__main__":
    main()
