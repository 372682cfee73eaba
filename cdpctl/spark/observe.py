"""``cdpctl coverage --engine spark``: the same observations, made inside Spark partitions and merged.

Imported only when a Spark run is asked for (it imports pyspark).  Lines are read by the same reader as
``cdpctl validate --engine spark`` (:func:`cdpctl.spark.job.read_lines`); each partition observes its
lines with :func:`cdpctl.observe.observe_records` (the validator arrives in a broadcast variable) and
the partial :class:`~cdpctl.observe.Observations` are merged on the driver: counts, so the order of
partitions does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cdpctl.model import Plan
from cdpctl.observe import Observations, Window, observe_records


def _observe_partition(shipped: Any, window: Window | None, rows: Iterable[bytes]) -> Iterator[Observations]:
    from cdpctl.spark.partition import scan_rows

    validator = shipped.value
    yield observe_records(validator.plan, (raw for raw, _file, _start in scan_rows(rows)), validator, window)


def observe_spark(paths: list[str], plan: Plan, *, master: str | None = None, window: Window | None = None) -> Observations:
    """Observe ``paths`` (files, directories, globs, URIs) on Spark; the same answer as the local run."""
    from cdpctl.errors import UsageError
    from cdpctl.spark import require_pyspark

    require_pyspark()
    if not paths or "-" in paths:
        raise UsageError("--engine spark reads files and URIs (paths, directories, globs), not standard input")
    from cdpctl.spark.command import spark_job
    from cdpctl.spark.inputs import list_inputs
    from cdpctl.spark.job import _transport, encoded_lines, read_lines
    from cdpctl.validation import Validator

    with spark_job(master, False) as spark:
        context: Any = spark.sparkContext
        files = list_inputs(context._jvm, context._jsc.hadoopConfiguration(), list(paths))
        rdd = encoded_lines(_transport(read_lines(spark, [f.path for f in files])))
        shipped = context.broadcast(Validator(plan))
        try:
            parts = rdd.mapPartitions(lambda rows: _observe_partition(shipped, window, rows)).collect()
        finally:
            shipped.unpersist()
    merged = Observations()
    for part in parts:
        merged.merge(part)
    return merged
