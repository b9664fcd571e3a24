"""Fetching a report's stored rows on a second thread while the first parses them.

On the server with PostgreSQL about a third of a year's report is spent waiting for the database
to find and send rows, and that wait happens in another process: psycopg lets go of Python's lock
while it waits. With the rows fetched on a worker thread, the database's work and the parsing
overlap on a two-core machine. (On SQLite and SQLCipher the database works inside this process
and measured no gain, so they do not use this.) The rows keep their order, an error on the worker
is raised in the reader, and a reader that stops early stops the worker.

The worker is the only user of the rows' connection until the last row has been handed over; the
caller must not use that connection meanwhile. `read_ahead` waits for the worker to finish before
it ends, so the caller may use the connection again afterwards.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: Rows handed over at a time: few hand-overs, yet the reader starts at once.
DEFAULT_CHUNK = 500

#: Chunks the worker may run ahead of the reader (memory stays bounded).
DEFAULT_DEPTH = 16

_POLL_SECONDS = 0.1


class _End:
    """Put on the queue after the last chunk, with the worker's error if it failed."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(rows: Iterable[T], chunk: int = DEFAULT_CHUNK, depth: int = DEFAULT_DEPTH) -> Iterator[T]:
    """`rows`, in order, iterated on a worker thread up to `depth` chunks ahead of the reader."""
    if chunk < 1 or depth < 1:
        raise ValueError("chunk and depth must be at least 1")
    handed: queue.Queue[list[T] | _End] = queue.Queue(maxsize=depth)
    stopping = threading.Event()

    def put(item: list[T] | _End) -> bool:
        while not stopping.is_set():
            try:
                handed.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        source = iter(rows)
        try:
            batch: list[T] = []
            for row in source:
                batch.append(row)
                if len(batch) >= chunk:
                    if not put(batch):
                        return
                    batch = []
            if batch and not put(batch):
                return
        except BaseException as error:  # handed to the reader, which raises it
            put(_End(error))
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a generator's own clean-up (closing its cursor) runs on this thread
        put(_End())

    worker = threading.Thread(target=work, name="cars-report-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = handed.get()
            if isinstance(item, _End):
                worker.join()
                if item.error is not None:
                    raise item.error
                return
            yield from item
    finally:
        stopping.set()
        worker.join()
