"""Lake-scale validation on Apache Spark: the same checks, codes and report as ``cdpctl validate``.

From a notebook or a job::

    from cdpctl.spark import validate
    report = validate(spark, "s3a://events/2024/05/01/*.gz", "plans/acme-shop.yaml")
    report.to_json()["summary"]

PySpark is an optional extra (``pip install "cdpctl[spark]"``); nothing here
imports it until a Spark run is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cdpctl.errors import CdpctlError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from cdpctl.model import Plan
    from cdpctl.validation import Report, Validator

INSTALL_HINT = 'pip install "cdpctl[spark]"'


class SparkUnavailable(CdpctlError):
    """PySpark is not installed, or Spark cannot start (exit status 2)."""


def require_pyspark() -> None:
    """Raise :class:`SparkUnavailable`, naming the extra, when PySpark cannot be imported."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailable(f"--engine spark needs PySpark: {INSTALL_HINT}") from None


def validate(
    spark: SparkSession,
    paths_or_dataframe: str | Sequence[str] | DataFrame,
    plan: Plan | Validator | str | os.PathLike[str],
    *,
    column: str | None = None,
    split: str | None = None,
) -> Report:
    """Validate event data on Spark and return the same :class:`~cdpctl.validation.Report` as ``cdpctl validate``.

    ``paths_or_dataframe`` is a path, URI, directory or glob (or a list of them)
    holding NDJSON, gzip included; or a DataFrame whose column (``column``, or its
    only column) holds one raw JSON message a row.  ``plan`` is a loaded plan, a
    validator or the path of a plan file.  ``split`` names a destination for the
    valid, invalid (annotated) and malformed records.
    """
    require_pyspark()
    from cdpctl.spark.job import run

    return run(spark, paths_or_dataframe, _validator(plan), column=column, split=split).report


def _validator(plan: Plan | Validator | str | os.PathLike[str]) -> Validator:
    from cdpctl.validation import Validator

    if isinstance(plan, Validator):
        return plan
    if isinstance(plan, (str, os.PathLike)):
        from cdpctl.loader import load_plan

        return Validator(load_plan(plan))
    return Validator(plan)


__all__ = ["INSTALL_HINT", "SparkUnavailable", "require_pyspark", "validate"]
