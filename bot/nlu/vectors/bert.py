"""A BERT encoder's forward pass in numpy: enough to distill static vectors, not to serve.

Reads the Hugging Face ``BertModel`` layout (absolute positions, post-layer-norm, GELU), with or
without the ``bert.`` prefix on tensor names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.errors import DataError

_ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "relu")


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function (Abramowitz-Stegun 7.1.26, |error| < 1.5e-7), vectorized."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)))


def _activation(name: str, x: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(x, 0)
    if name == "gelu":
        return np.asarray(0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))))
    return np.asarray(0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3))))


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + eps) * gain + bias)


@dataclass(frozen=True)
class BertEncoder:
    """Weights and shape of a BERT encoder."""

    weights: Mapping[str, np.ndarray]
    layers: int
    heads: int
    activation: str
    eps: float

    @classmethod
    def from_parts(cls, config: Mapping[str, Any], tensors: Mapping[str, np.ndarray], *, source: str) -> BertEncoder:
        """Check the config and weights of a BERT model and keep them."""
        model_type = config.get("model_type", "bert")
        if model_type != "bert":
            raise DataError(f"{source}: config.json says model_type {model_type!r}; only 'bert' encoders can be distilled")
        activation = str(config.get("hidden_act", "gelu"))
        if activation not in _ACTIVATIONS:
            raise DataError(f"{source}: hidden_act {activation!r} is not supported; supported: {', '.join(_ACTIVATIONS)}")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise DataError(f"{source}: only absolute position embeddings are supported")
        weights = {name.removeprefix("bert."): array for name, array in tensors.items()}
        layers = int(config.get("num_hidden_layers", 0))
        required = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.LayerNorm.weight"]
        required += [f"encoder.layer.{i}.output.dense.weight" for i in range(layers)]
        missing = [name for name in required if name not in weights]
        if missing or layers < 1:
            raise DataError(f"{source}: not a BERT encoder: missing tensors {missing[:3]} (num_hidden_layers={layers})")
        return cls(weights, layers, int(config.get("num_attention_heads", 1)), activation, float(config.get("layer_norm_eps", 1e-12)))

    @property
    def vocab_size(self) -> int:
        """Rows of the word-embedding table."""
        return int(self.weights["embeddings.word_embeddings.weight"].shape[0])

    def forward(self, batch: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Hidden states (batch, length, hidden) of padded id sequences, and their mask."""
        w = self.weights
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, sequence in enumerate(batch):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length][np.newaxis]
        if "embeddings.token_type_embeddings.weight" in w:
            x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        size, hidden = len(batch), x.shape[-1]
        head = hidden // self.heads
        blocked = ((1 - mask) * -1e9)[:, np.newaxis, np.newaxis, :]
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def dense(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return np.asarray(v @ w[f"{p}{name}.weight"].T + w[f"{p}{name}.bias"])

            q = dense(x, "attention.self.query").reshape(size, length, self.heads, head).transpose(0, 2, 1, 3)
            k = dense(x, "attention.self.key").reshape(size, length, self.heads, head).transpose(0, 2, 3, 1)
            v = dense(x, "attention.self.value").reshape(size, length, self.heads, head).transpose(0, 2, 1, 3)
            scores = q @ k / math.sqrt(head) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(size, length, hidden)
            x = _layer_norm(x + dense(context, "attention.output.dense"), w[f"{p}attention.output.LayerNorm.weight"],
                            w[f"{p}attention.output.LayerNorm.bias"], self.eps)
            inner = _activation(self.activation, dense(x, "intermediate.dense"))
            x = _layer_norm(x + dense(inner, "output.dense"), w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"], self.eps)
        return x, mask
