"""Write (and check) a realtone.model/v1 model.json for an ONNX model you exported yourself.

    /usr/bin/python3 models/training/byom_manifest.py path/to/model.onnx --name my-wavlm --version 1.0.0 \
        --description "WavLM-Base+ fine-tuned on ..." --likely-fake 0.5 --fake 0.9 \
        --wavlm-size base --corpus "what it was trained on" --card MODEL_CARD.md

Checks the graph against the runtime contract (input `waveform` float32 [batch, 64000], output `logit`
float32 [batch], opset >= 17 recommended, standard ONNX domain only), counts parameters from the graph's
initializers, computes sha256, and estimates FLOPs per chunk from the WavLM size (or takes --flops).
"""
import argparse
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import write_manifest  # noqa: E402
from wavlm import WavLMConfig, base_config, estimate_flops  # noqa: E402


def large_config():
    return WavLMConfig(conv_dim=[512] * 7, extractor_mode="layer_norm", embed_dim=1024, layers=24, heads=16,
                       ffn_dim=4096, layer_norm_first=True)


def check_contract(model):
    problems = []
    inputs = [i for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    if len(inputs) != 1 or inputs[0].name != "waveform":
        problems.append("expected exactly one input named 'waveform', got %s" % [i.name for i in inputs])
    else:
        tt = inputs[0].type.tensor_type
        dims = [d.dim_param or d.dim_value for d in tt.shape.dim]
        if tt.elem_type != onnx.TensorProto.FLOAT:
            problems.append("input must be float32")
        if len(dims) != 2 or dims[1] != 64000 or isinstance(dims[0], int):
            problems.append("input shape must be [batch, 64000] with a dynamic batch axis, got %s" % dims)
    outs = list(model.graph.output)
    if len(outs) != 1 or outs[0].name != "logit":
        problems.append("expected exactly one output named 'logit', got %s" % [o.name for o in outs])
    else:
        tt = outs[0].type.tensor_type
        dims = [d.dim_param or d.dim_value for d in tt.shape.dim]
        if tt.elem_type != onnx.TensorProto.FLOAT:
            problems.append("output must be float32")
        if len(dims) != 1 or isinstance(dims[0], int):
            problems.append("output shape must be [batch] (one logit per chunk), got %s" % dims)
    domains = {n.domain for n in model.graph.node} - {"", "ai.onnx"}
    if domains:
        problems.append("non-standard op domains: %s" % sorted(domains))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("onnx_path")
    ap.add_argument("--name", required=True)
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--description", required=True)
    ap.add_argument("--likely-fake", type=float, required=True)
    ap.add_argument("--fake", type=float, required=True)
    ap.add_argument("--wavlm-size", choices=["base", "large"], default=None)
    ap.add_argument("--flops", type=int, default=None, help="FLOPs per 4 s chunk if not a standard WavLM size")
    ap.add_argument("--corpus", default="see the model card")
    ap.add_argument("--card", default="MODEL_CARD.md")
    ap.add_argument("--fixture", action="store_true")
    args = ap.parse_args()
    if not (0 < args.likely_fake <= args.fake < 1):
        sys.exit("thresholds must satisfy 0 < likely_fake <= fake < 1 (probabilities)")
    model = onnx.load(args.onnx_path, load_external_data=False)
    problems = check_contract(model)
    if problems:
        sys.exit("model does not meet the runtime contract:\n  " + "\n  ".join(problems))
    params = int(sum(int(np.prod(t.dims)) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT and len(t.dims) > 0))
    if args.flops is not None:
        flops = args.flops
    elif args.wavlm_size:
        flops = estimate_flops(base_config() if args.wavlm_size == "base" else large_config())
    else:
        sys.exit("give --wavlm-size base|large or --flops")
    out_dir = os.path.dirname(os.path.abspath(args.onnx_path))
    if os.path.basename(args.onnx_path) != "model.onnx":
        sys.exit("name the file model.onnx and keep model.json beside it")
    man = write_manifest(out_dir, args.name, args.description, args.fixture,
                         {"likely_fake": args.likely_fake, "fake": args.fake}, params, flops, args.corpus, args.card,
                         version=args.version)
    print("wrote %s (parameters %d, flops_per_chunk %d, sha256 %s)" % (os.path.join(out_dir, "model.json"), params, flops, man["sha256"]))


if __name__ == "__main__":
    main()
