"""Optional word vectors: safetensors reading, word pieces, the numpy BERT, distilling, and their use.

A tiny random BERT written by the test stands in for a real encoder (tests never load big models).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from bot.config import load_settings
from bot.errors import DataError
from bot.nlu.classifier import IntentClassifier
from bot.nlu.trained import current_fingerprint, train_from_settings
from bot.nlu.vectors import StaticVectors, distill, load_vectors
from bot.nlu.vectors.bert import BertEncoder
from bot.nlu.vectors.safetensors import read_safetensors, write_safetensors
from bot.nlu.vectors.wordpiece import WordPiece, basic_words

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "order", "##s", "cancel", "my", "track",
         "where", "is", "pizza", "weather", "joke", "hi", "please", "##ing", "stop", "!", "?"]
HIDDEN, LAYERS = 8, 2


def tiny_bert(folder: Path, *, seed: int = 0) -> Path:
    """Write a random BERT encoder (config.json, vocab.txt, model.safetensors) to ``folder``."""
    rng = np.random.default_rng(seed)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0, 0.5, shape).astype(np.float32)

    tensors = {
        "embeddings.word_embeddings.weight": w(len(VOCAB), HIDDEN),
        "embeddings.position_embeddings.weight": w(16, HIDDEN),
        "embeddings.token_type_embeddings.weight": w(2, HIDDEN),
        "embeddings.LayerNorm.weight": np.ones(HIDDEN, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(HIDDEN, np.float32),
        "embeddings.position_ids": np.arange(16, dtype=np.int64)[None],
    }
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            tensors[p + name + ".weight"], tensors[p + name + ".bias"] = w(HIDDEN, HIDDEN), w(HIDDEN)
        tensors[p + "intermediate.dense.weight"], tensors[p + "intermediate.dense.bias"] = w(16, HIDDEN), w(16)
        tensors[p + "output.dense.weight"], tensors[p + "output.dense.bias"] = w(HIDDEN, 16), w(HIDDEN)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[p + norm + ".weight"], tensors[p + norm + ".bias"] = np.ones(HIDDEN, np.float32), np.zeros(HIDDEN, np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(write_safetensors(tensors))
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    config = {"model_type": "bert", "hidden_size": HIDDEN, "num_attention_heads": 2, "num_hidden_layers": LAYERS,
              "intermediate_size": 16, "hidden_act": "gelu", "layer_norm_eps": 1e-12}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("bert") / "model")


@pytest.fixture(scope="module")
def vectors(model_dir: Path) -> StaticVectors:
    return distill(model_dir, batch=7)


def test_safetensors_round_trip_and_bad_files() -> None:
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([[1, 2]], dtype=np.int64)}
    read = read_safetensors(write_safetensors(tensors))
    assert read["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert read["b"].dtype == np.int64
    with pytest.raises(DataError, match="too short"):
        read_safetensors(b"\x01")
    with pytest.raises(DataError, match="header claims"):
        read_safetensors((10**6).to_bytes(8, "little") + b"{}")


def test_basic_words_split_punctuation_and_han_and_drop_accents() -> None:
    assert basic_words("Café, NOW!") == ["cafe", ",", "now", "!"]
    assert basic_words("我要 order") == ["我", "要", "order"]


def test_word_pieces_take_the_longest_match() -> None:
    vocab = WordPiece(tuple(VOCAB))
    assert [VOCAB[i] for i in vocab.encode("Orders? tracking!")] == ["order", "##s", "?", "track", "##ing", "!"]
    assert [VOCAB[i] for i in vocab.encode("zebra")] == ["[UNK]"]


def test_padding_never_changes_a_sequences_states(model_dir: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    encoder = BertEncoder.from_parts(config, read_safetensors((model_dir / "model.safetensors").read_bytes()), source="t")
    alone, _ = encoder.forward([[2, 5, 3]])
    padded, mask = encoder.forward([[2, 5, 3], [2, 5, 6, 7, 3]])
    assert mask[0].tolist() == [1, 1, 1, 0, 0]
    assert np.allclose(alone[0], padded[0, :3], atol=1e-5)
    assert not np.allclose(padded[0, 1], padded[1, 1])  # context matters


def test_distilled_vectors_cover_every_piece_but_the_special_ones(vectors: StaticVectors) -> None:
    assert vectors.table.shape == (len(VOCAB), HIDDEN)
    assert not vectors.table[:5].any()  # [PAD] [UNK] [CLS] [SEP] [MASK]
    assert (np.abs(vectors.table[5:]).sum(axis=1) > 0).all()


def test_a_wheel_gives_the_same_vectors_as_its_folder(model_dir: Path, vectors: StaticVectors, tmp_path: Path) -> None:
    wheel = tmp_path / "encoder-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for part in ("config.json", "vocab.txt", "model.safetensors"):
            archive.write(model_dir / part, f"encoder/model/{part}")
        archive.writestr("encoder/__init__.py", "")
    assert np.array_equal(distill(wheel).table, vectors.table)


def test_sources_without_an_encoder_are_explained(tmp_path: Path, model_dir: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        distill(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"config\.json, vocab\.txt, model\.safetensors"):
        distill(tmp_path / "empty")
    broken = tiny_bert(tmp_path / "short-vocab")
    (broken / "vocab.txt").write_text("\n".join(VOCAB[:-2]), encoding="utf-8")
    with pytest.raises(DataError, match="vocab.txt has 21 tokens but the encoder has 23 rows"):
        distill(broken)
    gpt = tiny_bert(tmp_path / "gpt")
    (gpt / "config.json").write_text(json.dumps({"model_type": "gpt2"}), encoding="utf-8")
    with pytest.raises(DataError, match="only 'bert' encoders"):
        distill(gpt)


def test_save_and_load_keep_the_vectors(vectors: StaticVectors, tmp_path: Path) -> None:
    loaded = load_vectors(vectors.save(tmp_path / "v.npz"))
    assert loaded.vocab.tokens == vectors.vocab.tokens
    assert np.array_equal(loaded.table, vectors.table)
    assert np.allclose(loaded.embed("cancel my orders"), vectors.embed("cancel my orders"))
    with pytest.raises(DataError, match="bot vectors"):
        load_vectors(tmp_path / "nope.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a vectors file"):
        load_vectors(tmp_path / "bad.npz")


def test_a_message_vector_uses_only_the_words_the_vectors_cover(vectors: StaticVectors) -> None:
    assert not vectors.embed("مرحبا 你好").any()  # Arabic and Chinese: the n-grams decide alone
    assert np.allclose(vectors.embed("hello مرحبا"), vectors.embed("hello"))
    assert np.isclose(np.linalg.norm(vectors.embed("where is my pizza")), 1.0, atol=1e-3)


def test_the_classifier_uses_vectors_the_same_way_at_parse_time(vectors: StaticVectors) -> None:
    texts = ["hello", "hi world", "hello please", "cancel my order", "stop my orders", "please cancel",
             "where is my order", "track my orders", "where is my pizza", "مرحبا", "الغي طلبي", "وين طلبي"]
    intents = ["greet"] * 3 + ["cancel"] * 3 + ["track"] * 3 + ["greet", "cancel", "track"]
    plain = IntentClassifier().fit(texts, intents)
    with_vectors = IntentClassifier(vectors=vectors).fit(texts, intents)
    assert with_vectors.svm.coef_.shape[1] == plain.svm.coef_.shape[1] + HIDDEN
    for text in ("cancel the pizza", "where is it", "hello!", "عايز الغي", "tracking"):
        batch = dict(with_vectors.rank([text])[0].intents)
        fast = dict(with_vectors.rank_one(text).intents)
        assert batch.keys() == fast.keys()
        assert all(abs(batch[k] - fast[k]) < 1e-6 for k in batch)


def test_bot_vectors_then_training_uses_them(model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bot" / ".bot" / "vectors.npz"
    assert main(["vectors", str(model_dir), "--out", str(out), "--quiet"]) == 0
    assert f"vectors: {out}" in capsys.readouterr().out
    data = tmp_path / "bot" / "nlu_data" / "en"
    data.mkdir(parents=True)
    (data / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n    - hi world\n    - hello please\n'
        "- intent: cancel\n  examples: |\n    - cancel my order\n    - stop my orders\n    - please cancel\n",
        encoding="utf-8",
    )
    config = tmp_path / "bot" / "config.yml"
    config.write_text("nlu:\n  vectors: .bot/vectors.npz\n", encoding="utf-8")
    settings = load_settings(config, {})
    assert settings.nlu.vectors == out.resolve()
    model = train_from_settings(settings)
    assert model.classifier is not None and model.classifier.vectors is not None
    before = current_fingerprint(settings)
    out.write_bytes(out.read_bytes() + b"\0")  # another vectors file: the model is stale
    assert current_fingerprint(settings) != before
