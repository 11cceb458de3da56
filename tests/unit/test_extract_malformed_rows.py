"""Malformed rows cost linear work: locating them and numbering the lines around them.

Each rejected row used to be located by counting newlines from the start of the file, and
every good row's line number was shifted once per rejected row: rows x rejected work,
56 s for 20,000 rejected among 200,000 rows. The work is counted here, not timed (the
timing is in tests/unit/test_extract_speed.py, run with KAM_BENCH=1).
"""

from __future__ import annotations

import numpy as np

from kam.extract.limits import InputLimits
from kam.extract.readers import _locate_lines, read_csv_text, skip_lines


class CountingBytes(bytes):
    """bytes that tally how many bytes `find` and `count` were asked to scan."""

    scanned = 0

    def _span(self, start, end) -> int:
        start = 0 if start is None else start
        end = len(self) if end is None else end
        return max(0, end - start)

    def find(self, sub, start=None, end=None):
        found = super().find(sub, start, end)
        stop = (found + len(sub)) if found >= 0 else end
        CountingBytes.scanned += self._span(start, stop)
        return found

    def count(self, sub, start=None, end=None):
        CountingBytes.scanned += self._span(start, end)
        return super().count(sub, start, end)


def _with_bad_rows(good: int, bad_every: int) -> tuple[bytes, list[str]]:
    lines, bad = ["id,name"], []
    for i in range(good):
        lines.append(f"{i},n{i}")
        if i % bad_every == 0:
            bad.append(f"{i},bad,row")
            lines.append(bad[-1])
    return ("\n".join(lines) + "\n").encode(), bad


def test_locating_rejected_rows_scans_the_file_about_once():
    data, bad = _with_bad_rows(20_000, 10)  # 2,000 rejected rows
    counting = CountingBytes(data)
    CountingBytes.scanned = 0
    found = _locate_lines(counting, bad, data.find(b"\n") + 1)
    assert found[:3] == [3, 14, 25]  # header, row 0, its bad row; ten good rows each
    # Linear: at most a few passes over the file (was ~1,000 passes: one per rejected row).
    assert CountingBytes.scanned <= 3 * len(data)


class CountingArray(np.ndarray):
    """An array that tallies the elements every ufunc (>=, +, ...) touches."""

    touched = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        CountingArray.touched += max(np.size(i) for i in inputs)
        plain = [np.asarray(i) if isinstance(i, CountingArray) else i for i in inputs]
        return getattr(ufunc, method)(*plain, **kwargs)


def _reference(lines: np.ndarray, skipped: list[int]) -> np.ndarray:
    lines = lines.copy()
    for line in sorted(skipped):
        lines[lines >= line] += 1
    return lines


def test_shifting_line_numbers_past_skipped_lines_is_linear_and_exact():
    rng = np.random.default_rng(3)
    lines = np.cumsum(rng.integers(1, 3, 50_000)) + 1  # increasing, multi-line rows too
    skipped = sorted(rng.choice(np.arange(2, int(lines[-1]) + 50_000), 5_000, replace=False))
    skipped = [int(s) for s in skipped]
    expected = _reference(lines, skipped)
    CountingArray.touched = 0
    shifted = skip_lines(lines.view(CountingArray), skipped)
    assert np.array_equal(np.asarray(shifted), expected)
    assert CountingArray.touched <= 5 * len(lines)  # was len(lines) x len(skipped)
    assert not set(np.asarray(shifted).tolist()) & set(skipped)  # no row on a skipped line


def test_line_numbers_around_malformed_rows_by_hand():
    data = b'id,name\n1,a\n2,bad,x\n3,"multi\nline"\n4,bad,y\n5,e\n'
    text = read_csv_text(data, "t.csv")
    assert text.table.column("_source_line").to_pylist() == [2, 4, 7]
    assert [(line, raw) for line, raw, _ in text.malformed] == [(3, "2,bad,x"), (6, "4,bad,y")]


def test_rejected_rows_of_a_multi_block_file_are_all_located_in_order():
    """Arrow's threads report rejected rows out of file order; each must still be found
    (a row searched for past its place was not found, and cost a scan to the end)."""
    data, bad = _with_bad_rows(200_000, 100)  # ~3 MB: several 1 MiB blocks
    text = read_csv_text(data, "t.csv", limits=InputLimits(max_field_bytes=1_000))
    lines = [line for line, _, _ in text.malformed]
    assert [raw for _, raw, _ in text.malformed] == bad
    assert lines == [3 + 101 * k for k in range(len(bad))]  # header, row, its bad row, ...
    assert text.table.num_rows == 200_000
