"""Read tensors from a ``.safetensors`` file with numpy only (no torch, no safetensors package).

The format: an 8-byte little-endian header length, a JSON header mapping each tensor name to its
dtype, shape and byte range, then the raw little-endian data.
"""

from __future__ import annotations

import json
import struct

import numpy as np

from bot.errors import DataError

_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "BF16": "<u2"}


def read_safetensors(raw: bytes, *, source: str = "model.safetensors") -> dict[str, np.ndarray]:
    """The tensors in ``raw`` (the bytes of a .safetensors file), as float32 for float types."""
    if len(raw) < 8:
        raise DataError(f"{source}: too short to be a safetensors file ({len(raw)} bytes)")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > len(raw) - 8:
        raise DataError(f"{source}: the header claims {size} bytes but the file has {len(raw) - 8} after it")
    try:
        header = json.loads(raw[8 : 8 + size])
    except ValueError as exc:
        raise DataError(f"{source}: the header is not JSON ({exc})") from exc
    base = 8 + size
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise DataError(f"{source}: tensor {name!r} has dtype {info.get('dtype')!r}; readable: {', '.join(sorted(_DTYPES))}")
        start, end = info["data_offsets"]
        array = np.frombuffer(raw, dtype=dtype, count=(end - start) // np.dtype(dtype).itemsize, offset=base + start)
        if info["dtype"] == "BF16":  # bfloat16 is the top half of a float32
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = array.reshape(info["shape"]).astype(np.float32) if array.dtype.kind == "f" else array.reshape(info["shape"])
    return tensors


def write_safetensors(tensors: dict[str, np.ndarray]) -> bytes:
    """The bytes of a .safetensors file holding ``tensors`` (float32 / int64); used by tests and tools."""
    header: dict[str, dict[str, object]] = {}
    chunks: list[bytes] = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array)
        code = {np.dtype("float32"): "F32", np.dtype("int64"): "I64", np.dtype("float16"): "F16"}[data.dtype]
        blob = data.astype(data.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(data.shape), "data_offsets": [offset, offset + len(blob)]}
        chunks.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks)
