"""WavLM architecture (small or full size) for binary spoof detection, written for this project.

Follows the WavLM paper (Chen et al., 2022) and the public fairseq / HuggingFace implementations:

* convolutional waveform feature encoder: 7 conv layers, kernels (10,3,3,3,3,2,2),
  strides (5,2,2,2,2,2,2) -> 320x downsampling (20 ms frames at 16 kHz); GELU; the first layer
  has GroupNorm (WavLM-Base "default" mode) or every layer a LayerNorm (WavLM-Large "layer_norm" mode)
* feature projection: LayerNorm + Linear(conv_dim -> embed_dim)
* convolutional relative position embedding (grouped conv, kernel 128, groups 16, GELU)
* transformer encoder whose self-attention adds WavLM's *gated relative position bias*:
  bucketed relative positions (T5-style log buckets, num_buckets=320, max_distance=800) looked up in a
  learned (buckets x heads) table computed in the first layer and shared by all layers; every layer
  gates it with a GRU-style gate computed from its input:
      gate_a, gate_b = sigmoid(sum_4(Linear_{d_head->8}(x_h).view(..., 2, 4))).chunk(2)
      gate = gate_a * (gate_b * a_h - 1) + 2
      bias_h(i, j) = gate_h(i) * d_h(i - j)
* pooling + binary head: Linear(embed -> proj) per frame, mean over frames, Linear(proj -> 1)
  (the layout of HuggingFace WavLMForSequenceClassification with num_labels=1)

The module is written so that it exports to ONNX opset 17 with standard ops only: no stft, the gate is
elementwise, and the relative position buckets for the fixed 199-frame window are a constant buffer
(recomputed with torch ops if another length is seen in eager mode).

Input: normalised waveform float32 [batch, samples]; output: logit float32 [batch] (positive = synthetic).
"""
import math
from dataclasses import dataclass, asdict, field
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

CONV_KERNELS = (10, 3, 3, 3, 3, 2, 2)
CONV_STRIDES = (5, 2, 2, 2, 2, 2, 2)
WINDOW_SAMPLES = 64000


@dataclass
class WavLMConfig:
    conv_dim: List[int] = field(default_factory=lambda: [512] * 7)
    conv_kernel: List[int] = field(default_factory=lambda: list(CONV_KERNELS))
    conv_stride: List[int] = field(default_factory=lambda: list(CONV_STRIDES))
    extractor_mode: str = "default"  # "default" (GroupNorm in layer 0, Base) or "layer_norm" (Large)
    embed_dim: int = 768
    layers: int = 12
    heads: int = 12
    ffn_dim: int = 3072
    layer_norm_first: bool = False  # False = post-LN (Base / Base+), True = pre-LN (Large)
    pos_conv_kernel: int = 128
    pos_conv_groups: int = 16
    num_buckets: int = 320
    max_distance: int = 800
    gru_rel_pos: bool = True
    proj_dim: int = 256
    dropout: float = 0.1
    attention_dropout: float = 0.1
    activation_dropout: float = 0.0
    feature_dropout: float = 0.0
    layerdrop: float = 0.0
    feature_grad_mult: float = 1.0  # WavLM/wav2vec 2.0 scale the feature encoder's gradient (0.1) for stability
    # epsilon of the LayerNorm on the conv features: 1e-5 in WavLM; the small model uses 1e-2 because frames of
    # digital silence give near-constant feature vectors whose 1/std exploded the gradients when training from scratch
    feat_ln_eps: float = 1e-5

    def to_dict(self):
        return asdict(self)


def config_for_checkpoint(ckpt_path: str) -> WavLMConfig:
    """The architecture a checkpoint was trained with: the `config` saved beside it (train_log.json from
    training, config.json in a model directory); small_config() for a checkpoint without one."""
    import json
    import os

    d = os.path.dirname(os.path.abspath(ckpt_path))
    for name in ("train_log.json", "config.json"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as f:
                return WavLMConfig(**json.load(f)["config"])
    return small_config()


def base_config() -> WavLMConfig:
    """WavLM-Base(+) sized configuration (94 M transformer+encoder parameters)."""
    return WavLMConfig()


def small_config() -> WavLMConfig:
    """The compact model trained by this project on a 2-core CPU."""
    return WavLMConfig(
        conv_dim=[64, 64, 64, 64, 64, 128, 128],
        extractor_mode="default",
        embed_dim=160,
        layers=4,
        heads=4,
        ffn_dim=640,
        layer_norm_first=True,
        pos_conv_kernel=64,
        pos_conv_groups=16,
        proj_dim=128,
        dropout=0.1,
        # no attention/activation dropout: on this CPU its Bernoulli masks over [B, H, T, T] cost a third of a
        # training step, and the model trains in the under-fitted regime where that step is worth more
        attention_dropout=0.0,
        activation_dropout=0.0,
        feature_dropout=0.05,
        layerdrop=0.0,
        feature_grad_mult=0.1,
        feat_ln_eps=1e-2,
    )


class FP32LayerNorm(nn.LayerNorm):
    """LayerNorm computed in float32 even under bfloat16 autocast (torch 1.13's CPU autocast does not cast
    LayerNorm inputs). Same parameters and state-dict keys as nn.LayerNorm; in float32 it is nn.LayerNorm."""

    def forward(self, x):
        return super().forward(x.float())


class FP32GroupNorm(nn.GroupNorm):
    """GroupNorm computed in float32 under bfloat16 autocast (see FP32LayerNorm)."""

    def forward(self, x):
        return super().forward(x.float())


class _EncoderGrad(torch.autograd.Function):
    """Identity forward; backward scales the gradient into the conv encoder (WavLM's GradMultiply) and makes it
    contiguous. The contiguity is a correctness fix: the gradient arriving through the [B, C, T] -> [B, T, C]
    transpose is a strided view, and Debian's torch 1.13 oneDNN convolution backward computes wrong weight
    gradients from a non-contiguous grad_output (measured: 3x off at batch 4). With a contiguous gradient the
    oneDNN kernels match the native ones (weight gradients to 1e-5 relative) and are ~1.5x faster."""

    @staticmethod
    def forward(ctx, x, mult: float):
        ctx.mult = mult
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.mult).contiguous(), None


def frames_for(samples: int, kernels=CONV_KERNELS, strides=CONV_STRIDES) -> int:
    t = samples
    for k, s in zip(kernels, strides):
        t = (t - k) // s + 1
    return t


def relative_position_buckets(q_len: int, k_len: int, num_buckets: int, max_distance: int) -> torch.Tensor:
    """T5/WavLM bidirectional bucketing of (key - query) offsets; returns int64 [q_len, k_len]."""
    context = torch.arange(q_len, dtype=torch.long)[:, None]
    memory = torch.arange(k_len, dtype=torch.long)[None, :]
    rel = memory - context
    nb = num_buckets // 2
    buckets = (rel > 0).to(torch.long) * nb
    rel = torch.abs(rel)
    max_exact = nb // 2
    is_small = rel < max_exact
    # clamp to 1 inside the log only to avoid log(0) warnings; those entries use the exact branch
    large = torch.log(rel.clamp(min=1).float() / max_exact) / math.log(max_distance / max_exact) * (nb - max_exact)
    large = (max_exact + large).to(torch.long)
    large = torch.min(large, torch.full_like(large, nb - 1))
    buckets = buckets + torch.where(is_small, rel, large)
    return buckets


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k, s, norm: str):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, k, stride=s, bias=False)
        self.norm_kind = norm
        if norm == "group":
            self.norm = FP32GroupNorm(cout, cout, affine=True)
        elif norm == "layer":
            self.norm = FP32LayerNorm(cout)
        else:
            self.norm = None

    def forward(self, x):
        x = self.conv(x)
        if self.norm_kind == "group":
            x = self.norm(x)
        elif self.norm_kind == "layer":
            x = self.norm(x.transpose(1, 2)).transpose(1, 2)
        return F.gelu(x)


class FeatureEncoder(nn.Module):
    def __init__(self, cfg: WavLMConfig):
        super().__init__()
        layers = []
        cin = 1
        for i, (c, k, s) in enumerate(zip(cfg.conv_dim, cfg.conv_kernel, cfg.conv_stride)):
            if cfg.extractor_mode == "layer_norm":
                norm = "layer"
            else:
                norm = "group" if i == 0 else "none"
            layers.append(ConvLayer(cin, c, k, s, norm))
            cin = c
        self.layers = nn.ModuleList(layers)

    def forward(self, wav):  # [B, S] -> [B, C, T]
        x = wav.unsqueeze(1)
        for layer in self.layers:
            x = layer(x)
        return x


class PositionalConv(nn.Module):
    """WavLM/wav2vec2 convolutional relative positional embedding (weight norm folded into a plain conv
    weight so the graph has no weight-norm ops; the parametrisation is kept during training)."""

    def __init__(self, dim, kernel, groups):
        super().__init__()
        self.kernel = kernel
        conv = nn.Conv1d(dim, dim, kernel, padding=kernel // 2, groups=groups)
        std = math.sqrt(4.0 / (kernel * dim))
        nn.init.normal_(conv.weight, mean=0.0, std=std)
        nn.init.constant_(conv.bias, 0.0)
        self.conv = nn.utils.weight_norm(conv, name="weight", dim=2)

    def forward(self, x):  # [B, T, D]
        y = self.conv(x.transpose(1, 2))
        if self.kernel % 2 == 0:
            y = y[:, :, :-1]
        return F.gelu(y).transpose(1, 2)


class GatedRelPosAttention(nn.Module):
    def __init__(self, cfg: WavLMConfig, has_rel_bias: bool):
        super().__init__()
        self.d = cfg.embed_dim
        self.h = cfg.heads
        self.hd = cfg.embed_dim // cfg.heads
        self.scaling = self.hd ** -0.5
        self.q_proj = nn.Linear(self.d, self.d)
        self.k_proj = nn.Linear(self.d, self.d)
        self.v_proj = nn.Linear(self.d, self.d)
        self.out_proj = nn.Linear(self.d, self.d)
        self.attn_drop = nn.Dropout(cfg.attention_dropout)
        self.num_buckets = cfg.num_buckets
        self.max_distance = cfg.max_distance
        self.has_rel_bias = has_rel_bias
        if has_rel_bias:
            self.rel_attn_embed = nn.Embedding(cfg.num_buckets, cfg.heads)
            t = frames_for(WINDOW_SAMPLES)
            self.register_buffer(
                "bucket_index", relative_position_buckets(t, t, cfg.num_buckets, cfg.max_distance), persistent=False
            )
        self.gru_rel_pos = cfg.gru_rel_pos
        if cfg.gru_rel_pos:
            self.gru_rel_pos_linear = nn.Linear(self.hd, 8)
            self.gru_rel_pos_const = nn.Parameter(torch.ones(1, self.h, 1, 1))
        for lin in (self.q_proj, self.k_proj, self.v_proj):
            nn.init.xavier_uniform_(lin.weight, gain=1 / math.sqrt(2))
        nn.init.xavier_uniform_(self.out_proj.weight)
        nn.init.constant_(self.out_proj.bias, 0.0)

    def compute_bias(self, t: int) -> torch.Tensor:  # [H, T, T]
        if t == self.bucket_index.shape[0]:
            idx = self.bucket_index
        else:
            idx = relative_position_buckets(t, t, self.num_buckets, self.max_distance).to(self.bucket_index.device)
        return self.rel_attn_embed(idx).permute(2, 0, 1)

    def forward(self, x, position_bias: Optional[torch.Tensor]):
        # x: [B, T, D]; position_bias: [H, T, T] (shared across layers, ungated)
        B, T, D = x.shape
        if position_bias is None:
            position_bias = self.compute_bias(T)
        q = self.q_proj(x).view(B, T, self.h, self.hd).transpose(1, 2) * self.scaling
        k = self.k_proj(x).view(B, T, self.h, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.h, self.hd).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2))  # [B, H, T, T]
        if self.gru_rel_pos:
            xh = x.view(B, T, self.h, self.hd).transpose(1, 2)  # [B, H, T, hd]
            g = self.gru_rel_pos_linear(xh).view(B, self.h, T, 2, 4).sum(-1)
            g = torch.sigmoid(g)
            gate_a = g[..., 0:1]
            gate_b = g[..., 1:2]
            gate = gate_a * (gate_b * self.gru_rel_pos_const - 1.0) + 2.0  # [B, H, T, 1]
            bias = gate * position_bias.unsqueeze(0)
        else:
            bias = position_bias.unsqueeze(0)
        scores = scores + bias
        attn = torch.softmax(scores, dim=-1)
        attn = self.attn_drop(attn)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(B, T, D)
        return self.out_proj(out), position_bias


class EncoderLayer(nn.Module):
    def __init__(self, cfg: WavLMConfig, has_rel_bias: bool):
        super().__init__()
        self.attn = GatedRelPosAttention(cfg, has_rel_bias)
        self.ln1 = FP32LayerNorm(cfg.embed_dim)
        self.fc1 = nn.Linear(cfg.embed_dim, cfg.ffn_dim)
        self.fc2 = nn.Linear(cfg.ffn_dim, cfg.embed_dim)
        self.ln2 = FP32LayerNorm(cfg.embed_dim)
        self.drop = nn.Dropout(cfg.dropout)
        self.act_drop = nn.Dropout(cfg.activation_dropout)
        self.pre_ln = cfg.layer_norm_first

    def ffn(self, x):
        return self.drop(self.fc2(self.act_drop(F.gelu(self.fc1(x)))))

    def forward(self, x, pos_bias):
        if self.pre_ln:
            a, pos_bias = self.attn(self.ln1(x), pos_bias)
            x = x + self.drop(a)
            x = x + self.ffn(self.ln2(x))
        else:
            a, pos_bias = self.attn(x, pos_bias)
            x = self.ln1(x + self.drop(a))
            x = self.ln2(x + self.ffn(x))
        return x, pos_bias


class WavLMSpoofDetector(nn.Module):
    def __init__(self, cfg: WavLMConfig):
        super().__init__()
        self.cfg = cfg
        self.feature_extractor = FeatureEncoder(cfg)
        c = cfg.conv_dim[-1]
        self.feat_ln = FP32LayerNorm(c, eps=cfg.feat_ln_eps)
        self.post_extract_proj = nn.Linear(c, cfg.embed_dim)
        self.feat_drop = nn.Dropout(cfg.feature_dropout)
        self.pos_conv = PositionalConv(cfg.embed_dim, cfg.pos_conv_kernel, cfg.pos_conv_groups)
        self.enc_ln = FP32LayerNorm(cfg.embed_dim)
        self.layers = nn.ModuleList([EncoderLayer(cfg, i == 0) for i in range(cfg.layers)])
        self.drop = nn.Dropout(cfg.dropout)
        self.projector = nn.Linear(cfg.embed_dim, cfg.proj_dim)
        self.classifier = nn.Linear(cfg.proj_dim, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv1d) and m is not self.pos_conv.conv:
                if not hasattr(m, "weight_g"):
                    nn.init.kaiming_normal_(m.weight)

    def encode(self, wav):
        feats = self.feature_extractor(wav)
        if self.training and feats.requires_grad:
            # GradMultiply (gradient into the conv encoder scaled by feature_grad_mult) + contiguous gradient
            feats = _EncoderGrad.apply(feats, float(self.cfg.feature_grad_mult))
        feats = feats.transpose(1, 2)  # [B, T, C]
        feats = self.feat_ln(feats)
        x = self.feat_drop(self.post_extract_proj(feats))
        x = x + self.pos_conv(x)
        if not self.cfg.layer_norm_first:
            x = self.enc_ln(x)
        x = self.drop(x)
        pos_bias = None
        for layer in self.layers:
            if self.training and self.cfg.layerdrop > 0 and torch.rand(()) < self.cfg.layerdrop and pos_bias is not None:
                continue
            x, pos_bias = layer(x, pos_bias)
        if self.cfg.layer_norm_first:
            x = self.enc_ln(x)
        return x  # [B, T, D]

    def forward(self, waveform):
        x = self.encode(waveform)
        h = self.projector(x).mean(dim=1)
        return self.classifier(h).squeeze(-1)


def fold_weight_norm(model: WavLMSpoofDetector) -> WavLMSpoofDetector:
    """Replace the weight-normalised positional conv by a plain conv with the same effective weight."""
    pc = model.pos_conv
    if hasattr(pc.conv, "weight_g"):
        nn.utils.remove_weight_norm(pc.conv, name="weight")
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def estimate_flops(cfg: WavLMConfig, samples: int = WINDOW_SAMPLES) -> int:
    """Multiply-accumulates x 2 for one window (convs, linears, attention matmuls; norms/activations ignored)."""
    macs = 0
    t = samples
    cin = 1
    for c, k, s in zip(cfg.conv_dim, cfg.conv_kernel, cfg.conv_stride):
        t = (t - k) // s + 1
        macs += t * c * cin * k
        cin = c
    T, D, H = t, cfg.embed_dim, cfg.heads
    macs += T * cin * D  # feature projection
    macs += T * D * (D // cfg.pos_conv_groups) * cfg.pos_conv_kernel  # positional conv
    per_layer = 4 * T * D * D  # q, k, v, out
    per_layer += 2 * T * T * D  # scores + weighted sum
    per_layer += 2 * T * D * cfg.ffn_dim  # ffn
    per_layer += T * D * 8  # gate linear (H heads x hd x 8 = D x 8)
    macs += cfg.layers * per_layer
    macs += T * D * cfg.proj_dim + cfg.proj_dim
    return int(2 * macs)
