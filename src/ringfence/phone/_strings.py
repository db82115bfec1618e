"""Byte-level work on Arrow string columns with numpy: no Python object per row.

Arrow has no kernel to drop characters from each string or to cut a different number of
characters from each one; on the two buffers of a string column (offsets and bytes) both are
a mask and a cumulative sum.
"""

from __future__ import annotations

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
            counts[nonempty] = np.add.reduceat(keep, self.offsets[:-1][nonempty], dtype=np.int64)
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
