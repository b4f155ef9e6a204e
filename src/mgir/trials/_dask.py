"""Running a virtual trial's fit-and-simulate tasks on a Dask cluster (``dask.distributed``).

Only the deterministic step is distributed: each task fits and simulates one chunk of subjects,
and every random number was drawn before (:mod:`mgir.trials._run`). The result is therefore
identical to the local backend's, whatever the number of workers or the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.trials._run import ChunkTask, _simulate_chunk

__all__ = ["DaskBackend"]

FloatArray = NDArray[np.float64]


def _run_task(task: ChunkTask) -> dict[str, FloatArray]:
    return _simulate_chunk(*task)


class DaskBackend:
    """Chunks of subjects as tasks on a Dask cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); the client is opened for each
        run and closed after it.
    client : distributed.Client, optional
        An open client to use instead (not closed here).

    Notes
    -----
    Needs ``pip install "mgir[dask]"``. A scheduler started by ``dask-jobqueue`` (SLURM, PBS)
    or ``dask-kubernetes`` works the same way: see ``docs/clusters.md``.
    """

    def __init__(self, scheduler: str | None = None, *, client: Any = None) -> None:
        if (scheduler is None) == (client is None):
            raise InvalidInputError(
                field="scheduler", value=scheduler, allowed="a scheduler address or a client"
            )
        self._scheduler = scheduler
        self._client = client

    def map_chunks(
        self,
        tasks: Sequence[ChunkTask],
        progress: Callable[[int], None] | None = None,
    ) -> list[dict[str, FloatArray]]:
        """Submit every task, report each as it finishes, return the results in task order."""
        try:
            from distributed import Client, as_completed  # noqa: PLC0415
        except ImportError:
            raise InvalidInputError(
                field="backend",
                value="dask",
                allowed='the dask backend after pip install "mgir[dask]"',
            ) from None
        client = self._client
        own = client is None
        if own:
            try:
                client = Client(self._scheduler, timeout="10s")  # type: ignore[no-untyped-call]
            except OSError as error:
                raise InvalidInputError(
                    field="scheduler",
                    value=self._scheduler,
                    allowed=f"the address of a running Dask scheduler ({error})",
                ) from None
        try:
            futures = client.map(_run_task, list(tasks), pure=False)
            position = {future.key: i for i, future in enumerate(futures)}
            results: list[dict[str, FloatArray] | None] = [None] * len(futures)
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                i = position[future.key]
                results[i] = future.result()
                if progress is not None:
                    progress(int(tasks[i][0]["fasting_glucose"].shape[0]))
            return [r for r in results if r is not None]
        finally:
            if own:
                client.close()
