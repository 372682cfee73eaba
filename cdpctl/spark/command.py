"""``cdpctl validate --engine spark``: start (or join) a Spark session, run the job, hand back the run's result."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cdpctl.errors import CdpctlError, UsageError
from cdpctl.spark import SparkUnavailable, require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from cdpctl.model import Plan
    from cdpctl.validation.runner import RunResult

APP_NAME = "cdpctl validate"


class SparkJobError(CdpctlError):
    """The Spark job failed (exit status 2): an executor error, an unreachable cluster."""


def start_session(master: str | None, progress: bool) -> SparkSession:
    """The Spark session: ``master`` if given, else what the environment or ``spark-submit`` provides, else ``local[*]``.

    A local master binds to the loopback interface and runs without the web UI;
    Spark's console progress bar is shown only when ``progress`` says so.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(APP_NAME).config(
        "spark.ui.showConsoleProgress", "true" if progress else "false"
    )
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            builder = (
                builder.config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
            )
    if _runs_locally(master):
        # Python workers start from this interpreter (so they import this cdpctl), on the loopback interface
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        spark = builder.getOrCreate()
    except Exception as exc:
        raise SparkUnavailable(f"cannot start Spark: {error_summary(exc)}") from None
    spark.sparkContext.setLogLevel("FATAL")  # failures are summed up in one line by the command
    return spark


@contextmanager
def spark_job(master: str | None, progress: bool) -> Iterator[SparkSession]:
    """A session for one job: a failure of the job is one :class:`SparkJobError` line, and a session this
    run started is stopped at the end (one it joined, a notebook's or a test's, stays up)."""
    from pyspark.sql import SparkSession

    joined = SparkSession.getActiveSession() is not None
    spark = start_session(master, progress)
    try:
        yield spark
    except CdpctlError:
        raise
    except Exception as exc:
        raise SparkJobError(f"the Spark job failed: {error_summary(exc)}") from None
    finally:
        if not joined:
            spark.stop()


def _runs_locally(master: str | None) -> bool:
    """Whether the session will run on this machine: a ``local`` master, or none given outside ``spark-submit``."""
    if master is not None:
        return master.startswith("local")
    if "PYSPARK_GATEWAY_PORT" in os.environ:  # started by spark-submit or the pyspark shell
        return False
    return os.environ.get("MASTER", "local").startswith("local")


_EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Exit|Interrupt)\b.*")
_READING_FILE = re.compile(r"reading file (\S+)")


def error_summary(exc: BaseException) -> str:
    """One readable line from a JVM or Python-worker failure: the innermost exception line of its trace
    (Py4J writes the JVM's as ``: org.apache...``, its causes as ``Caused by: ...``), with the file Spark
    was reading when it names one."""
    text = str(exc)
    found = ""
    for raw in text.splitlines():
        line = raw.strip().removeprefix(": ").removeprefix("Caused by: ")
        if line.startswith("at ") or line.startswith("..."):
            continue
        if _EXCEPTION_LINE.match(line):
            found = line
    if not found:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        found = lines[0] if lines else type(exc).__name__
    reading = _READING_FILE.search(text)
    if reading is not None and reading.group(1).rstrip(".") not in found:
        found = f"{found} (reading {reading.group(1).rstrip('.')})"
    return found[:500]


def run_command(
    paths: list[str],
    plan: Plan,
    *,
    master: str | None,
    split: str | None,
    fast: bool = True,
    progress: bool = False,
) -> RunResult:
    """Validate ``paths`` on Spark; the result has the shape the local run gives the validate command."""
    require_pyspark()
    if not paths or "-" in paths:
        raise UsageError("--engine spark reads files and URIs (paths, directories, globs), not standard input")
    from cdpctl.spark.job import run
    from cdpctl.validation import Validator
    from cdpctl.validation.runner import RunResult

    started = time.perf_counter()
    unread: list[str] = []
    validator = Validator(plan, fast=fast)
    with spark_job(master, progress) as spark:
        targets = list(paths)
        while True:
            try:
                done = run(spark, targets, validator, split=split)
                break
            except CdpctlError:
                raise
            except Exception as exc:  # a file Spark cannot read fails the whole job: the job runs again without it
                left = _without_unread_file(spark, targets, exc, split, unread)
                if left is None:
                    raise
                targets = left
        cores = spark.sparkContext.defaultParallelism
    return RunResult(done.report, done.bytes_read, time.perf_counter() - started, cores, input_errors=unread)


MAX_UNREAD_FILES = 16
"""Files a run leaves out, each after a job that failed reading it, before a failure ends the run."""
MAX_PROBED_FILES = 1000
"""Inputs read one by one to find the file a failed read came from, where Spark does not name it (3.5)."""
_READ_FAILURE = re.compile(r"EOFException|ZipException|IOException|gzip|[Cc]ompress")


def _without_unread_file(
    spark: SparkSession, targets: list[str], exc: Exception, split: str | None, unread: list[str]
) -> list[str] | None:
    """The files to read again after a job failed reading some of them (a truncated or damaged gzip file: Spark
    reads a file whole or fails the job), with those files named in ``unread``; ``None``: the failure is not a
    read of an input file, or the run has left out enough of them, or a ``--split`` destination it cannot clear.

    Spark 4 names the file in its error; Spark 3.5 does not, so each input is then read alone (the JVM's text
    reader, no Python) to find the ones that fail."""
    from cdpctl.spark.inputs import list_inputs, literal

    if len(unread) >= MAX_UNREAD_FILES:
        return None
    jsc = spark.sparkContext._jsc
    files = list_inputs(spark.sparkContext._jvm, jsc.hadoopConfiguration(), targets)
    reading = _READING_FILE.search(str(exc))
    if reading is not None:
        failed = _same_file(reading.group(1).rstrip("."))
        said = re.sub(r" \(reading [^)]*\)$", "", error_summary(exc))  # the file is named once
        bad = {f.uri: said for f in files if failed in (_same_file(f.uri), _same_file(f.path))}
    elif _READ_FAILURE.search(error_summary(exc)) and len(files) <= MAX_PROBED_FILES:
        bad = {}
        for file in files:
            try:
                spark.read.text(literal(file.path)).count()
            except Exception as probe:  # noqa: BLE001 - py4j wraps every JVM error
                bad[file.uri] = error_summary(probe)
    else:
        return None
    left = [f for f in files if f.uri not in bad]
    if not bad or not left or len(unread) + len(bad) > MAX_UNREAD_FILES:
        return None
    if split is not None and not _clear_split(spark, split):
        return None
    unread += [
        f"cannot read '{uri}': {said}; the file was left out (Spark reads a file whole or not at all)"
        for uri, said in bad.items()
    ]
    return [literal(f.path) for f in left]


def _same_file(uri: str) -> str:
    """A local file's URI as Hadoop writes it (``file:/a``) and as Spark names it (``file:///a``) alike."""
    return re.sub(r"^file:/+", "file:/", uri)


def _clear_split(spark: SparkSession, split: str) -> bool:
    """Whether the ``--split`` destination is free for the next job: absent, or left empty by the failed one
    (then removed); a destination holding anything is never touched."""
    jvm: Any = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(split)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return True
    if fs.getFileStatus(path).isDirectory() and len(fs.listStatus(path)) == 0:
        return bool(fs.delete(path, False))
    return False
