"""Run one function over many items, in worker processes when more than one job is asked.

Parsing is pure Python (ANTLR) and holds the GIL, so threads cannot help; processes can.
Workers are forked where the platform allows it: they start with every module already
imported, which keeps a pool worth its cost even for a few hundred files.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from protomodel.construct import gc_paused

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items a pool costs more than it saves.
_MIN_PARALLEL_ITEMS = 32


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_all(fn: Callable[[Item], Result], items: Sequence[Item], jobs: int) -> Iterator[Result]:
    """``fn`` over ``items``, results in the order of ``items``."""
    if jobs <= 1 or len(items) < _MIN_PARALLEL_ITEMS:
        yield from map(fn, items)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    workers = min(jobs, len(items))
    # Several chunks per worker so a slow chunk does not leave the others idle at the end.
    chunksize = max(1, len(items) // (workers * 8))
    # Unpickling the results allocates as much as building them did; without the pause,
    # full collections would traverse everything received so far again and again.
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool, gc_paused():
        yield from pool.map(fn, items, chunksize=chunksize)
