"""The BackPlay base model: a small pre-LN transformer with rotary positions.

One set of weights, two attention modes: causal (left-to-right pretraining, next-token loss) and
bidirectional (masked diffusion: predict every [MASK] from both sides; logits[:, i] is the
distribution of the token AT position i, computed from position i-1, see `forward`). `forward` returns the
logits and `hidden`, the input of the LAST transformer block, which the correction head reads
(DESIGN.md, model directory format).

Runs on Debian's torch 1.13 (CPU, plain attention) and on PyTorch 2.x (CUDA, fused SDPA).
"""
from dataclasses import dataclass, asdict
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")  # PyTorch >= 2.0


@dataclass
class ModelConfig:
    vocab_size: int = 4096
    max_seq_len: int = 512
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 256
    rope_base: float = 10000.0

    def to_dict(self):
        return asdict(self)


class LayerNorm(nn.Module):
    """LayerNorm without a learned bias (torch 1.13's nn.LayerNorm cannot drop it).

    The bias is a constant zero buffer rather than None: exported with None, the ONNX node gets an
    empty bias input, and onnxruntime 1.31's graph optimizer crashes (segfault) on it."""

    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.register_buffer("zero_bias", torch.zeros(d), persistent=False)

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.zero_bias, 1e-5)


def rope_tables(cfg: ModelConfig):
    head_dim = cfg.d_model // cfg.n_head
    inv_freq = 1.0 / (cfg.rope_base ** (torch.arange(0, head_dim, 2).float() / head_dim))
    angles = torch.outer(torch.arange(cfg.max_seq_len).float(), inv_freq)  # [T, head_dim/2]
    angles = torch.cat([angles, angles], dim=-1)  # [T, head_dim], "rotate half" layout
    return angles.cos(), angles.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x, cos, sin, causal: bool):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if HAS_SDPA and not torch.onnx.is_in_onnx_export():
            y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        else:  # torch 1.13, and the ONNX graph (plain ops every runtime knows)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.shape[-1]))
            if causal:
                future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
                att = att.masked_fill(future, float("-inf"))
            y = att.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, 4 * cfg.d_model, bias=False)
        self.down = nn.Linear(4 * cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.ln1, self.attn = LayerNorm(cfg.d_model), Attention(cfg)
        self.ln2, self.mlp = LayerNorm(cfg.d_model), MLP(cfg)

    def forward(self, x, cos, sin, causal: bool):
        x = x + self.attn(self.ln1(x), cos, sin, causal)
        return x + self.mlp(self.ln2(x))


class BackPlayLM(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = LayerNorm(cfg.d_model)
        cos, sin = rope_tables(cfg)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init_weights)
        # GPT-2 style: scale the residual projections down with depth.
        for name, p in self.named_parameters():
            if name.endswith("attn.proj.weight") or name.endswith("mlp.down.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self):
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx, causal: bool = False):
        """idx [B, T] int64 -> (logits [B, T, V], hidden [B, T, d] = input of the last block)."""
        T = idx.shape[1]
        cos, sin = self.rope_cos[:T], self.rope_sin[:T]
        x = self.wte(idx)
        hidden = x
        for block in self.blocks:
            hidden = x
            x = block(x, cos, sin, causal)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # tied input/output embeddings
        if not causal:
            # Shifted prediction (as Dream does when adapting a left-to-right model): the token at
            # position i is read from position i-1, where phase "ar" already learned to predict it.
            # Position 0 has no left neighbour and reads itself. Callers see plain alignment:
            # logits[:, i] is the distribution of the token at position i.
            logits = torch.cat([logits[:, :1], logits[:, :-1]], dim=1)
        return logits, hidden


class BidirectionalExport(nn.Module):
    """What model.onnx contains: the bidirectional (diffusion) mode, logits and hidden."""

    def __init__(self, model: BackPlayLM):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model(input_ids, causal=False)
