"""The Spark job: raw lines through Spark's text reader, the validator inside partitions, reports merged in order.

Imported only when a Spark run is asked for (it imports pyspark).  The plan
reaches the executors as the pickled :class:`~cdpctl.validation.Validator` in a
broadcast variable (a validator pickles as its plan): each Python worker builds
it once and reuses it for every partition it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark import RDD
from pyspark.accumulators import AccumulatorParam
from pyspark.serializers import UTF8Deserializer
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from cdpctl.errors import CdpctlError
from cdpctl.spark.inputs import InputFile, list_inputs, literal, may_be_split
from cdpctl.spark.partition import (
    Offsets,
    Part,
    SplitKey,
    dataframe_rows,
    fold,
    input_order,
    partition_records,
    partition_reports,
    scan_rows,
)
from cdpctl.validation import Report, Validator

ORDERED_COLLECT_LIMIT = 4096
"""Above this many splits, partial reports are first merged on the executors in contiguous runs of files."""

RUN_FAN = 256
"""Files per run when partial reports are merged on the executors first."""


class SplitOutputError(CdpctlError):
    """The ``--split`` destination cannot be written (exit status 2)."""


@dataclass
class SparkRun:
    """What a Spark run found, with what it read."""

    report: Report
    files: int = 0
    bytes_read: int = 0
    partitions: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Input:
    rows: Callable[[Callable[[Iterable[Any]], Iterator[Any]]], RDD[Any]]
    """Applies a partition function (over text-scan rows) to every partition."""
    order: Callable[[SplitKey], tuple[int, str, int]]
    names: list[str]
    files: int
    bytes_read: int
    partitions: int


class _PartsParam(AccumulatorParam[list[Part]]):
    """Collects ``(split, report)`` pairs from the tasks of a write (merged in order on the driver)."""

    def zero(self, value: list[Part]) -> list[Part]:
        return []

    def addInPlace(self, value1: list[Part], value2: list[Part]) -> list[Part]:
        value1.extend(value2)
        return value1


def read_lines(spark: SparkSession, uris: Sequence[str]) -> DataFrame:
    """Raw lines with the file URI and the split start: ``raw`` (binary, bytes as stored), ``file``, ``start``.

    Lines end at ``\\n`` only (a ``\\r`` before it stays, as in the single-machine run);
    compression follows the file suffix (``.gz``), as in every Spark reader.
    """
    return (
        spark.read.option("lineSep", "\n")
        .option("recursiveFileLookup", "true")  # explicit files: no partition inference from directory names
        .text(list(uris))
        .select(
            F.col("value").cast("binary").alias("raw"),
            F.col("_metadata.file_path").alias("file"),
            F.col("_metadata.file_block_start").alias("start"),
        )
    )


def encoded_lines(frame: DataFrame) -> RDD[bytes]:
    """The one string column of ``frame`` as an RDD of UTF-8 bytes.

    Strings cross from the JVM to the Python workers as a plain UTF-8 stream,
    several times cheaper than pickled rows; raw bytes travel base64-encoded so
    a line that is not valid UTF-8 arrives exactly as stored.
    """
    (column,) = frame.columns
    jdf: Any = frame.select(F.col(column).cast("string"))._jdf
    jvm: Any = frame.sparkSession.sparkContext._jvm
    strings = getattr(jdf, "as")(jvm.org.apache.spark.sql.Encoders.STRING())  # Dataset[String]
    return RDD(strings.toJavaRDD(), frame.sparkSession.sparkContext, UTF8Deserializer(use_unicode=False))  # type: ignore[no-untyped-call]


def _transport(lines: DataFrame) -> DataFrame:
    """``start TAB base64(raw) TAB file`` per line (the file last: a name may hold a tab)."""
    return lines.select(
        F.concat_ws("\t", F.col("start").cast("string"), F.base64(F.col("raw")), F.col("file")).alias("line")
    )


def _byte_setting(spark: SparkSession, key: str, default: str) -> int:
    value = spark.conf.get(key, default) or default
    jvm: Any = spark.sparkContext._jvm
    return int(jvm.org.apache.spark.network.util.JavaUtils.byteStringAsBytes(value))


def line_offsets(spark: SparkSession, lines: DataFrame, files: list[InputFile]) -> dict[SplitKey, int]:
    """Lines before each split that does not start its file.

    Needed only when Spark may cut an uncompressed file into several splits; the
    count runs in the JVM over the same scan (so the same splits) and parses nothing.
    """
    max_bytes = _byte_setting(spark, "spark.sql.files.maxPartitionBytes", "128m")
    open_cost = _byte_setting(spark, "spark.sql.files.openCostInBytes", "4m")
    if not may_be_split(files, max_bytes, open_cost):
        return {}
    per_file: dict[str, list[tuple[int, int]]] = {}
    for row in lines.groupBy("file", "start").count().collect():
        per_file.setdefault(row["file"], []).append((int(row["start"]), int(row["count"])))
    offsets: dict[SplitKey, int] = {}
    for file, counts in per_file.items():
        before = 0
        for start, count in sorted(counts):
            if start > 0:
                offsets[(file, start)] = before
            before += count
    return offsets


def _file_input(spark: SparkSession, paths: Sequence[str]) -> tuple[_Input, Offsets]:
    sc = spark.sparkContext
    jsc: Any = sc._jsc
    files = list_inputs(sc._jvm, jsc.hadoopConfiguration(), list(paths))
    lines = read_lines(spark, [literal(f.path) for f in files])
    offsets = line_offsets(spark, lines, files)
    rdd = encoded_lines(_transport(lines))
    names = [f.uri for f in files]

    def rows(function: Callable[[Iterable[Any]], Iterator[Any]]) -> RDD[Any]:
        return rdd.mapPartitions(lambda it: function(scan_rows(it)))

    made = _Input(rows, input_order(names), names, len(files), sum(f.size for f in files), rdd.getNumPartitions())
    return made, offsets


def dataframe_label(partition: int) -> str:
    """How examples name a record of a DataFrame partition (lines count from 1 in each partition)."""
    return f"dataframe[{partition}]"


def _dataframe_input(frame: DataFrame, column: str | None) -> _Input:
    columns = frame.columns
    if column is None:
        if len(columns) != 1:
            raise CdpctlError(f"the DataFrame has {len(columns)} columns: name the one holding the raw message")
        column = columns[0]
    elif column not in columns:
        raise CdpctlError(f"the DataFrame has no column '{column}' (it has: {', '.join(columns)})")
    kind = frame.schema[column].dataType
    if not isinstance(kind, (T.StringType, T.BinaryType, T.CharType, T.VarcharType)):  # Spark: DATATYPE_MISMATCH
        raise CdpctlError(
            f"the column '{column}' holds {kind.simpleString()} values: it must hold the raw messages, as strings or bytes"
        )
    # a null message is an empty record: skipped, like a blank line
    rdd = encoded_lines(frame.select(F.coalesce(F.base64(F.col(column).cast("binary")), F.lit(""))))
    count = rdd.getNumPartitions()
    names = [dataframe_label(index) for index in range(count)]

    def rows(function: Callable[[Iterable[Any]], Iterator[Any]]) -> RDD[Any]:
        return rdd.mapPartitionsWithIndex(lambda index, it: function(dataframe_rows(it, dataframe_label(index))))

    return _Input(rows, input_order(names), names, 0, 0, count)


def _merge_in_order(spark: SparkSession, parts: RDD[Part], made: _Input) -> Report:
    """Fold the partial reports in input order: on the driver, or first in runs of files on the executors."""
    if made.files <= ORDERED_COLLECT_LIMIT and made.partitions <= ORDERED_COLLECT_LIMIT:
        return fold(parts.collect(), made.order)
    place = spark.sparkContext.broadcast({name: index for index, name in enumerate(made.names)})
    last = len(made.names)
    try:

        def key(split: SplitKey) -> tuple[int, str, int]:
            return place.value.get(split[0], last), split[0], split[1]

        def run_of(part: Part) -> int:
            return key(part[0])[0] // RUN_FAN

        def merged(group: Iterable[Part]) -> Part:
            members = list(group)
            return min((split for split, _ in members), key=key), fold(members, key)

        runs = parts.groupBy(run_of).map(lambda pair: merged(pair[1]))
        return fold(runs.collect(), made.order)
    finally:
        place.unpersist()


def run(
    spark: SparkSession,
    source: str | Sequence[str] | DataFrame,
    validator: Validator,
    *,
    column: str | None = None,
    split: str | None = None,
) -> SparkRun:
    """Validate files (paths, URIs, directories, globs) or a DataFrame; optionally write ``--split`` output."""
    started = time.perf_counter()
    offsets: Offsets = {}
    if isinstance(source, DataFrame):
        made = _dataframe_input(source, column)
    else:
        made, offsets = _file_input(spark, [source] if isinstance(source, str) else list(source))
    shipped = spark.sparkContext.broadcast(validator)
    try:
        if split is None:
            parts = made.rows(lambda rows: partition_reports(shipped.value, rows, offsets))
            report = _merge_in_order(spark, parts, made)
        else:
            report = _write_split(spark, made, shipped, offsets, split)
    finally:
        shipped.unpersist()
    validator.add_hints(report)  # did-you-mean only for the groups the report keeps
    return SparkRun(report, made.files, made.bytes_read, made.partitions, time.perf_counter() - started)


def _write_split(spark: SparkSession, made: _Input, shipped: Any, offsets: Offsets, split: str) -> Report:
    """One pass: records to ``split/kind=valid|invalid|malformed/``, reports through an accumulator."""
    collected = spark.sparkContext.accumulator([], _PartsParam())

    def done(part: Part) -> None:
        collected.add([part])

    records = made.rows(lambda rows: partition_records(shipped.value, rows, offsets, done))
    frame = spark.createDataFrame(records, "kind string, value binary", verifySchema=False)
    writer = frame.select(F.col("value").cast("string").alias("value"), "kind").write
    try:
        writer.mode("errorifexists").partitionBy("kind").text(split)
    except Exception as exc:
        if _is_already_exists(exc):
            raise SplitOutputError(f"'{split}' already exists: remove it or choose another --split destination") from None
        raise
    return fold(collected.value, made.order)


def _is_already_exists(exc: Exception) -> bool:
    condition = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    name = condition() if callable(condition) else None
    return name == "PATH_ALREADY_EXISTS" or "already exists" in str(exc)
