"""Safetensors read and written by hand, the way jrx does (nn/safetensors.go).

File layout::

    [8 bytes]  N, little-endian uint64: length of the JSON header
    [N bytes]  JSON header: {"__metadata__": {str: str},
               "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
    [rest]     tensor data, little-endian; offsets relative to the start of this section

The writer produces exactly what jrx's writer produces for the same tensors and
metadata: float32 only, tensors in the given order and back to back from
offset 0, metadata keys sorted, compact JSON without HTML escaping, the header
padded with spaces to a multiple of 8 bytes. So a jrx file read and written
again here is byte-identical (the conformance test checks that).

The reader is as strict as jrx's: header at most 100 MiB, valid UTF-8 JSON
without duplicate keys, string metadata values, known fields only, shapes and
byte ranges that agree, and ranges that tile the data section exactly. Unlike
jrx it also reads F16, BF16 and F64 tensors (for the converter); jrx itself
reads F32 only, so every file this package writes is F32.
"""

import json
import mmap
import os
import tempfile

import numpy as np

MAX_HEADER = 100 << 20
METADATA_KEY = "__metadata__"

_NP_DTYPES = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "F64": np.dtype("<f8"),
    "BF16": np.dtype("<u2"),  # widened by hand
}


class SafetensorsError(ValueError):
    """A file that is not a well-formed safetensors file (the message names the tensor)."""


def _go_json_string(s):
    """s as a JSON string literal the way Go's encoder writes it without HTML escaping."""
    out = json.dumps(s, ensure_ascii=False)
    # Go also escapes the two JavaScript line terminators.
    return out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def encode_header(tensors, meta):
    """The padded header bytes for [(name, shape, nbytes)] and meta."""
    parts = ["{"]
    first = True
    if meta:
        for k, v in meta.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise SafetensorsError(f"safetensors: metadata {k!r}: keys and values must be strings")
        parts.append('"__metadata__":{')
        parts.append(",".join(_go_json_string(k) + ":" + _go_json_string(meta[k]) for k in sorted(meta)))
        parts.append("}")
        first = False
    off = 0
    seen = set()
    for name, shape, nbytes in tensors:
        if not name:
            raise SafetensorsError("safetensors: empty tensor name")
        if name == METADATA_KEY:
            raise SafetensorsError(f"safetensors: tensor name {name!r} is reserved")
        if name in seen:
            raise SafetensorsError(f"safetensors: duplicate tensor {name!r}")
        seen.add(name)
        if not first:
            parts.append(",")
        first = False
        parts.append(_go_json_string(name))
        parts.append(':{"dtype":"F32","shape":[' + ",".join(str(int(d)) for d in shape) + "],")
        parts.append(f'"data_offsets":[{off},{off + nbytes}]}}')
        off += nbytes
    parts.append("}")
    hdr = "".join(parts).encode("utf-8")
    hdr += b" " * (-len(hdr) % 8)
    if len(hdr) > MAX_HEADER:
        raise SafetensorsError(f"safetensors: header is {len(hdr)} bytes, more than the {MAX_HEADER}-byte limit")
    return hdr


def write(path, tensors, meta=None):
    """Write [(name, array)] as float32 safetensors with metadata meta, atomically.

    The file is written to a temporary file in the same directory, fsynced and
    renamed over path, so a reader never sees half a file.
    """
    arrs = []
    for name, a in tensors:
        a = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
        arrs.append((name, a))
    hdr = encode_header([(n, a.shape, a.nbytes) for n, a in arrs], meta or {})
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(len(hdr).to_bytes(8, "little"))
            f.write(hdr)
            for _, a in arrs:
                f.write(a.tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _no_dups(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise SafetensorsError(f"safetensors: header: duplicate key {k!r}")
        out[k] = v
    return out


def _ints(v, what, name):
    if not isinstance(v, list) or not all(type(x) is int for x in v):
        raise SafetensorsError(f"safetensors: tensor {name!r}: {what} must be an array of integers, got {v!r}"[:200])
    if any(x < 0 for x in v):
        raise SafetensorsError(f"safetensors: tensor {name!r}: negative value in {what} {v}")
    return v


class SafeFile:
    """A parsed safetensors file.

    meta: dict str → str (empty without __metadata__); order: tensor names by
    data offset (jrx's declaration order for jrx files); tensor(name): a
    float32 numpy array (a copy, widened from F16/BF16 and narrowed from F64);
    raw(name): the stored array without conversion (a view of the file for F32).
    """

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < 8:
                raise SafetensorsError(f"{path}: safetensors: file is {size} bytes, too short for the 8-byte header length")
            n = int.from_bytes(f.read(8), "little")
            if n > MAX_HEADER:
                raise SafetensorsError(f"{path}: safetensors: header length {n} exceeds the {MAX_HEADER}-byte limit")
            if n > size - 8:
                raise SafetensorsError(f"{path}: safetensors: truncated file: header length {n} but only {size - 8} bytes follow")
            raw = f.read(n)
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else None
        try:
            hdr = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_dups)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SafetensorsError(f"{path}: safetensors: header: {e}") from None
        if not isinstance(hdr, dict):
            raise SafetensorsError(f"{path}: safetensors: header is not a JSON object")
        self._base = 8 + n
        datalen = size - self._base
        self.meta = {}
        m = hdr.pop(METADATA_KEY, None)
        if m is not None:
            if not isinstance(m, dict):
                raise SafetensorsError(f"{path}: safetensors: __metadata__ is not an object")
            for k, v in m.items():
                if not isinstance(v, str):
                    raise SafetensorsError(f"{path}: safetensors: __metadata__ {k!r}: value is not a string")
                self.meta[k] = v
        self._info = {}
        for name, info in hdr.items():
            if not name:
                raise SafetensorsError(f"{path}: safetensors: empty tensor name")
            if not isinstance(info, dict):
                raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: entry is not an object")
            for k in info:
                if k not in ("dtype", "shape", "data_offsets"):
                    raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: unknown field {k!r}")
            dt = info.get("dtype")
            if dt not in _NP_DTYPES:
                raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: dtype {dt!r} not supported (F32, F16, BF16, F64)")
            shape = _ints(info.get("shape"), "shape", name)
            offs = _ints(info.get("data_offsets"), "data_offsets", name)
            if len(offs) != 2 or offs[1] < offs[0]:
                raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: bad data_offsets {offs}")
            elems = int(np.prod(shape, dtype=np.int64)) if shape else 1
            need = elems * _NP_DTYPES[dt].itemsize
            if offs[1] - offs[0] != need:
                raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: shape {shape} needs {need} bytes but data_offsets {offs} span {offs[1] - offs[0]}")
            self._info[name] = (dt, tuple(shape), offs[0], offs[1])
        pos = 0
        prev = None
        for name, (dt, shape, b, e) in sorted(self._info.items(), key=lambda kv: (kv[1][2], kv[1][3])):
            if e > datalen:
                raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: data_offsets [{b}, {e}] extend past the end of the data ({datalen} bytes): truncated file?")
            if b < pos:
                raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: data_offsets [{b}, {e}] overlap tensor {prev!r}")
            if b > pos:
                raise SafetensorsError(f"{path}: safetensors: tensor {name!r}: data_offsets [{b}, {e}] leave a gap at bytes [{pos}, {b}]")
            pos, prev = e, name
        if pos != datalen:
            raise SafetensorsError(f"{path}: safetensors: {datalen - pos} bytes of data after the last tensor")
        self.order = [n for n, _ in sorted(self._info.items(), key=lambda kv: (kv[1][2], kv[1][3]))]

    def names(self):
        return list(self.order)

    def shape(self, name):
        return self._info[name][1]

    def dtype(self, name):
        return self._info[name][0]

    def raw(self, name):
        dt, shape, b, e = self._info[name]
        return np.frombuffer(self._mm, dtype=_NP_DTYPES[dt], count=(e - b) // _NP_DTYPES[dt].itemsize,
                             offset=self._base + b).reshape(shape)

    def tensor(self, name):
        if name not in self._info:
            raise KeyError(f"{self.path}: no tensor {name!r}")
        a = self.raw(name)
        if self._info[name][0] == "BF16":
            return (a.astype(np.uint32) << 16).view(np.float32).copy()
        return a.astype(np.float32)  # always a copy

    def __contains__(self, name):
        return name in self._info


def read(path):
    """Parse a safetensors file; see SafeFile."""
    return SafeFile(path)
