"""Arrow columns worked on with numpy at the buffer level: no Python object per row.

Arrow has no kernel to drop characters from each string or to cut a different number of
characters from each one; on the two buffers of a string column (offsets and bytes) both are
a mask and a cumulative sum.

The conversions between Python, numpy and Arrow here are made from buffers on purpose:
pyarrow's own (``pa.array``, ``pa.scalar``, ``to_numpy``, a Python value passed to a compute
function) import pandas where it is installed, to recognise its types: 0.5-2 s in a new
process, more than normalizing a million numbers takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pyarrow as pa


class Strings(NamedTuple):
    """A string column as numpy arrays: ``offsets`` (n + 1, from 0) and ``data`` (bytes)."""

    offsets: np.ndarray
    data: np.ndarray

    @classmethod
    def of(cls, array: pa.Array) -> Strings:
        """The buffers of a string array without nulls (a null reads as an empty string)."""
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        _validity, offsets_buffer, data_buffer = array.buffers()
        offsets = np.frombuffer(
            offsets_buffer, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4
        ).astype(np.int64)
        data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.zeros(0, np.uint8)
        start, stop = int(offsets[0]), int(offsets[-1])
        return cls(offsets - start, data[start:stop])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def to_arrow(self) -> pa.Array:
        return pa.Array.from_buffers(
            pa.string(),
            len(self),
            [None, pa.py_buffer(self.offsets.astype(np.int32)), pa.py_buffer(self.data)],
        )

    def keep_bytes(self, keep: np.ndarray) -> Strings:
        """Each string with only the bytes where ``keep`` (one flag per byte) is set."""
        lengths = self.lengths()
        counts = np.zeros(len(self), np.int64)
        nonempty = lengths > 0
        if nonempty.any():
            # Per-string sums without a per-byte running total: with empty strings left out
            # the starts increase strictly, so each segment is exactly one string.
            # On uint8 flags: summing bools with a wider dtype casts per buffer (4x slower).
            starts = self.offsets[:-1][nonempty]
            counts[nonempty] = np.add.reduceat(keep.view(np.uint8), starts, dtype=np.int32)
        return Strings(np.concatenate(([0], np.cumsum(counts))), self.data[keep])

    def digits(self) -> Strings:
        """Each string with its ASCII digits only."""
        return self.keep_bytes((self.data >= ord("0")) & (self.data <= ord("9")))

    def drop_head(self, widths: np.ndarray, most: int = 3) -> Strings:
        """Each string without its first ``widths[i]`` bytes (at most ``most``, and no more
        than the string has)."""
        keep = np.ones(len(self.data), bool)
        starts = self.offsets[:-1]
        for i in range(most):
            cut = widths > i
            keep[starts[cut] + i] = False
        return self.keep_bytes(keep)

    def leading_number(self, width: int) -> np.ndarray:
        """The first ``width`` bytes of each string read as digits (strings must be long
        enough and made of digits)."""
        value = np.zeros(len(self), np.int64)
        starts = self.offsets[:-1]
        for i in range(width):
            value = value * 10 + (self.data[starts + i].astype(np.int64) - ord("0"))
        return value

    def prefixed(self, marks: np.ndarray) -> Strings:
        """Each string with the byte ``marks[i]`` in front."""
        n = len(self)
        offsets = self.offsets + np.arange(n + 1)
        data = np.empty(len(self.data) + n, np.uint8)
        is_mark = np.zeros(len(data), bool)
        is_mark[offsets[:-1]] = True
        data[is_mark] = marks
        data[~is_mark] = self.data
        return Strings(offsets, data)


# --- conversions that do not import pandas -------------------------------------------------


def strings_from_python(items: Sequence[object]) -> pa.Array | None:
    """A string array of Python ``str`` and ``None`` items; ``None`` when another kind of item
    (or a string that cannot be UTF-8) is present, for the caller's general conversion."""
    present = [item for item in items if item is not None] if None in items else items
    try:
        text = "".join(present)  # type: ignore[arg-type]
    except TypeError:
        return None
    try:
        if text.isascii():
            data = text.encode("ascii")
            blanked = items if present is items else _blank(items)
            lengths = np.fromiter(map(len, blanked), np.int64, len(items))  # type: ignore[arg-type]
        else:
            encoded = [str(item).encode("utf-8") for item in _blank(items)]  # all str here
            data = b"".join(encoded)
            lengths = np.fromiter(map(len, encoded), np.int64)
    except UnicodeEncodeError:
        return None
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
    validity = None
    if present is not items:
        validity = pa.py_buffer(
            np.packbits([item is not None for item in items], bitorder="little")
        )
    return pa.Array.from_buffers(
        pa.string(), len(items), [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def strings(items: Sequence[str | None]) -> pa.Array:
    """A string array of ``str`` and ``None`` items that are valid UTF-8."""
    built = strings_from_python(items)
    if built is None:
        raise ValueError("strings() takes str and None items that are valid UTF-8")
    return built


def _blank(items: Sequence[object]) -> list[object]:
    return ["" if item is None else item for item in items]


def bools(values: np.ndarray) -> pa.Array:
    """A boolean array of a numpy array."""
    bits = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])


_NUMPY_TYPES = {
    pa.int8(): np.int8,
    pa.int16(): np.int16,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
}


def numbers(values: object, arrow_type: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    """An integer array of ``values`` (a numpy array or a list of ints); rows where ``null``
    is set are null."""
    data = np.ascontiguousarray(values, dtype=_NUMPY_TYPES[arrow_type])
    validity = None
    if null is not None and null.any():
        validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
    return pa.Array.from_buffers(arrow_type, len(data), [validity, pa.py_buffer(data)])


def to_bools(array: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy (null reads as False)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n, offset = len(array), array.offset
    if n == 0:
        return np.zeros(0, bool)
    validity, data = array.buffers()
    bits = np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little", count=offset + n)
    result = bits[offset:].astype(bool)
    if validity is not None and array.null_count:
        valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")
        result &= valid[offset : offset + n].astype(bool)
    return result


def to_ints(array: pa.Array, null_as: int = 0) -> np.ndarray:
    """An integer Arrow array as an int64 numpy array (null reads as ``null_as``)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    dtype = _NUMPY_TYPES[array.type]
    n, offset = len(array), array.offset
    if n == 0:
        return np.zeros(0, np.int64)
    validity, data = array.buffers()
    result = np.frombuffer(data, dtype, count=n, offset=offset * np.dtype(dtype).itemsize)
    result = result.astype(np.int64)
    if validity is not None and array.null_count:
        valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")
        result[~valid[offset : offset + n].astype(bool)] = null_as
    return result


def string_scalar(value: str | None) -> pa.Scalar:
    """A string scalar (or the null string)."""
    if value is None:
        return pa.nulls(1, pa.string())[0]
    return strings([value])[0]
