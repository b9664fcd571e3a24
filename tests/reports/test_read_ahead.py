"""Rows fetched on a worker thread come out whole, in order; errors and early stops are handled."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from cars_desktop.reports.read_ahead import read_ahead


def test_every_row_comes_out_once_in_order_across_chunk_boundaries() -> None:
    for count in (0, 1, 499, 500, 501, 5_003):
        assert list(read_ahead(iter(range(count)), chunk=500, depth=2)) == list(range(count))


def test_the_rows_are_fetched_on_another_thread() -> None:
    seen: list[str] = []

    def rows() -> Iterator[int]:
        seen.append(threading.current_thread().name)
        yield 1

    assert list(read_ahead(rows())) == [1]
    assert seen and seen[0] != threading.current_thread().name


def test_an_error_while_fetching_reaches_the_reader_after_the_rows_before_it() -> None:
    def rows() -> Iterator[int]:
        yield from range(3)
        raise RuntimeError("the database went away")

    reader = read_ahead(rows(), chunk=1)
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(RuntimeError, match="the database went away"):
        next(reader)


def test_a_reader_that_stops_early_stops_the_worker_and_closes_the_rows() -> None:
    closed = threading.Event()
    produced = [0]

    def rows() -> Iterator[int]:
        try:
            while True:
                produced[0] += 1
                yield produced[0]
        finally:
            closed.set()

    reader = read_ahead(rows(), chunk=10, depth=2)
    assert [next(reader) for _ in range(5)] == [1, 2, 3, 4, 5]
    reader.close()
    assert closed.wait(5), "the worker did not close the rows it was reading"
    assert produced[0] < 100, "the worker ran on after the reader stopped"
    assert not any(t.name == "cars-report-read-ahead" and t.is_alive() for t in threading.enumerate())


def test_chunk_and_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(read_ahead([1], chunk=0))
