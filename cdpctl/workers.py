"""Worker processes of ``--jobs N`` (``validate``, ``coverage``): they leave signals to the parent, die with
it, and are ended at once when a run stops early.

A terminal (Ctrl-C), ``timeout`` and a CI job's cancel signal the whole process group.  A worker that
died of the signal broke the pool: ``validate`` failed (``a worker process died``) instead of printing its
partial report, and ``coverage`` waited for ever for the chunk that worker held (``multiprocessing.Pool``
waits for a lost task, and its ``terminate`` waited on a read of an idle FIFO).  So workers ignore SIGINT
and SIGTERM and get SIGKILL when the parent dies (:func:`cdpctl.interrupts.worker_signals`, their
initializer's first step), the pool's threads never take the parent's signals (:func:`submit`), and the
parent decides: it ends its workers with SIGKILL (:func:`stop_pool`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cdpctl.interrupts import kept_from_new_threads

if TYPE_CHECKING:  # imported only when a pool is started
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")


def pool_context() -> Any:
    """Fork on Linux (a worker inherits what the parent built: the validator), else the platform's default."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform == "linux" else None)


def start_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...], context: Any = None
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, each set up by ``initializer(*initargs)``, which calls
    :func:`~cdpctl.interrupts.worker_signals` first; started the ``context``'s way (default:
    :func:`pool_context`).  Its processes start at the first :func:`submit`."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context or pool_context(), initializer=initializer, initargs=initargs
    )


def submit(pool: ProcessPoolExecutor, function: Callable[..., T], *args: Any) -> Future[T]:
    """``pool.submit(function, *args)``.  The pool starts its threads and worker processes in a submit: they
    must not take this process's signals (a signal is the main thread's, which may be waiting on a FIFO), and
    a worker starts with SIGINT and SIGTERM blocked until it ignores them."""
    with kept_from_new_threads():
        return pool.submit(function, *args)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End every worker process of ``pool`` now and wait for them (no orphan is left running): SIGKILL, since
    workers ignore SIGTERM; they hold nothing to clean up.  A signal that comes meanwhile waits for the end
    of the stop (a second Ctrl-C raised in the middle of it would leave workers behind)."""
    with kept_from_new_threads():
        processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
        for process in processes:  # first: a broken pool's own thread ends the others with SIGTERM, which they
            if process.is_alive():  # ignore, and waits for them holding the lock shutdown() takes (Python 3.12)
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join()
