"""Scenario files checked in worker processes: ``conference-sim check -j N`` and the pytest
plugin's ``--conference-sim-jobs N``. Each file is loaded in the worker that checks it, in
chunks (a few per worker, so that the last ones finish together), and each answer is an
:class:`~conference_sim.check.checking.Outcome` or the one-line error of a file that does not
load."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from .checking import Outcome, check_path

CHUNKS_PER_WORKER = 4


def check_chunk(
    paths: Sequence[str], goldens: Sequence[bool], options: tuple[object, ...]
) -> list[Outcome | str]:
    update, shuffle_ties, app, html_dir = options
    return [
        check_path(p, g, update, shuffle_ties, app, html_dir)  # type: ignore[arg-type]
        for p, g in zip(paths, goldens, strict=True)
    ]


class Pool:
    """Starts checking every file at once in ``workers`` processes: ``outcome(i)`` waits for
    the i-th file's answer, ``outcomes()`` for all of them; ``close()`` stops what is left
    (after ``pytest -x``, for one)."""

    def __init__(
        self,
        paths: Sequence[str],
        goldens: Sequence[bool],
        workers: int,
        *,
        update: bool = False,
        shuffle_ties: int | None = None,
        app: str | None = None,
        html_dir: str | None = None,
    ) -> None:
        # loaded once here, inherited by the workers: what checking a file imports
        from .. import runner  # noqa: F401
        from ..load import scenario  # noqa: F401
        from ..output import sinks  # noqa: F401
        from . import golden  # noqa: F401

        self.chunk = n = max(1, len(paths) // (workers * CHUNKS_PER_WORKER))
        options = (update, shuffle_ties, app, html_dir)
        # The workers are forked: frozen, this process's objects are not touched (and so not
        # copied) by their garbage collector, nor walked again by this one's as it waits and
        # exits. (They stay frozen: they are the objects of a run that ends with the pool.)
        gc.freeze()
        self.executor = ProcessPoolExecutor(max_workers=workers)
        self.futures: list[Future[list[Outcome | str]]] = [
            self.executor.submit(check_chunk, paths[i : i + n], goldens[i : i + n], options)
            for i in range(0, len(paths), n)
        ]

    def outcome(self, i: int) -> Outcome | str:
        return self.futures[i // self.chunk].result()[i % self.chunk]  # (a future keeps it)

    def outcomes(self) -> list[Outcome | str]:
        """Every answer, in order."""
        return [o for future in self.futures for o in future.result()]

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
