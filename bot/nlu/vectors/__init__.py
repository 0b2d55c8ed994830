"""Optional pretrained word vectors for the intent classifier (off by default).

A deployment that can ship a BERT-style encoder (``config.json``, ``vocab.txt`` and
``model.safetensors``, in a folder or a wheel) distills it once into a static table with
``bot vectors SOURCE``; ``nlu.vectors`` in config.yml then points at the table. Parsing looks up
one row per word piece: no network, no torch, microseconds per message.
"""

from bot.nlu.vectors.static import StaticVectors, distill, load_vectors

__all__ = ["StaticVectors", "distill", "load_vectors"]
