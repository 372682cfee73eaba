"""Inputs of a Spark run: paths, URIs, directories and globs listed through Hadoop's file systems.

Listing goes through the cluster's own file system clients (``s3a://``,
``gs://``, ``abfss://``, ``hdfs://``, ``file:``), with the rules of the
single-machine run: a file named is read whatever its name; a directory gives
its data files (``.ndjson``, ``.jsonl``, ``.json``, ``.log``, optionally
``.gz``), recursively, in name order; a glob gives its matches in name order.
Names starting with ``_`` or ``.`` are hidden in Hadoop's convention and Spark
never reads them: they are skipped in directories and globs, and naming one is
an error.  The order is the input order the partial reports are
merged in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cdpctl.errors import CdpctlError

DATA_SUFFIXES = (".ndjson", ".jsonl", ".json", ".log")
COMPRESSED_SUFFIXES = ("", ".gz", ".gzip", ".zst", ".zstd", ".bz2")
UNSPLITTABLE_SUFFIXES = (".gz", ".deflate", ".lz4", ".snappy", ".zst")
"""Hadoop codecs whose files Spark reads whole (one split per file)."""


class SparkInputError(CdpctlError):
    """An input cannot be found or listed (exit status 2)."""


@dataclass(frozen=True)
class InputFile:
    """One file to read: its path (as Spark reads it), its URI (as Spark reports it, percent-encoded), its size."""

    path: str
    uri: str
    size: int

    @classmethod
    def of(cls, status: Any) -> InputFile:
        """From a Hadoop ``FileStatus``."""
        hadoop_path = status.getPath()
        return cls(hadoop_path.toString(), hadoop_path.toUri().toString(), int(status.getLen()))

    @property
    def splittable(self) -> bool:
        """Whether Spark may cut the file into several splits (uncompressed or bzip2)."""
        return not self.uri.lower().endswith(UNSPLITTABLE_SUFFIXES)


def is_hidden(name: str) -> bool:
    """Hadoop's hidden names (``_SUCCESS``, ``.part.crc``, ``_temporary``): Spark never reads such files."""
    return name.startswith(("_", "."))


def is_data_file(name: str) -> bool:
    """A data file of a directory (same suffixes as the single-machine run), not hidden."""
    lowered = name.lower()
    if is_hidden(lowered):
        return False
    return any(lowered.endswith(data + comp) for data in DATA_SUFFIXES for comp in COMPRESSED_SUFFIXES)


def _path_order(uri: str) -> list[str]:
    """Sort key that compares path components, as the single-machine run sorts directory contents."""
    return uri.split("/")


def list_inputs(jvm: Any, hadoop_conf: Any, paths: list[str]) -> list[InputFile]:
    """Every file to read, in input order; raises :class:`SparkInputError` for a path that matches nothing."""
    files: list[InputFile] = []
    for given in paths:
        hadoop_path = jvm.org.apache.hadoop.fs.Path(given)
        try:
            fs = hadoop_path.getFileSystem(hadoop_conf)
            # a file or folder of that very name is read as named ('day[1].ndjson'), as the local run does;
            # else the name is a glob
            literal_name = _has_magic(given) and fs.exists(hadoop_path)
            statuses = [fs.getFileStatus(hadoop_path)] if literal_name else fs.globStatus(hadoop_path)
        except Exception as exc:  # py4j wraps every JVM error
            raise SparkInputError(f"cannot read '{given}': {_java_message(exc)}") from None
        if not statuses:
            raise SparkInputError(f"no file matches '{given}'" if _has_magic(given) else f"'{given}' does not exist")
        globbed = _has_magic(given) and not literal_name
        for status in sorted(statuses, key=lambda s: _path_order(s.getPath().toString())):
            if status.isDirectory():
                files.extend(sorted(_list_directory(fs, status.getPath()), key=lambda f: _path_order(f.path)))
            elif not is_hidden(status.getPath().getName()):
                files.append(InputFile.of(status))
            elif not globbed:
                raise SparkInputError(
                    f"'{given}': Spark does not read files whose names start with '_' or '.' (Hadoop's hidden files)"
                )
    if not files:
        raise SparkInputError("no data files in " + ", ".join(f"'{p}'" for p in paths))
    unique = {f.uri: f for f in reversed(files)}  # a file named twice is read once, at its first place
    return [f for f in files if unique.get(f.uri) is f]


def _list_directory(fs: Any, directory: Any) -> list[InputFile]:
    found: list[InputFile] = []
    iterator = fs.listFiles(directory, True)
    base = directory.toString().rstrip("/") + "/"
    while iterator.hasNext():
        status = iterator.next()
        path = status.getPath().toString()
        folders = path[len(base) :].split("/")[:-1] if path.startswith(base) else []
        if is_data_file(status.getPath().getName()) and not any(is_hidden(folder) for folder in folders):
            found.append(InputFile.of(status))
    return found


def literal(path: str) -> str:
    """A file's path as Hadoop's glob reads it literally (``[``, ``{``, ``*``... escaped): Spark globs every path
    it is handed, so a file named ``a[1].ndjson`` would otherwise be looked for as ``a1.ndjson``."""
    return re.sub(r"([\\*?\[\]{}])", r"\\\1", path)


def _has_magic(path: str) -> bool:
    return any(char in path for char in "*?[{")


def _java_message(exc: Exception) -> str:
    """The first line of a JVM exception's message, without the py4j wrapping."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            return str(java.getMessage()).splitlines()[0]
        except Exception:  # noqa: BLE001 - best effort on a broken gateway
            pass
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def may_be_split(files: list[InputFile], max_partition_bytes: int, open_cost_bytes: int) -> bool:
    """Whether Spark might cut some file into several splits.

    Spark's split size is ``min(maxPartitionBytes, max(openCostInBytes, bytesPerCore))``,
    never below ``min(maxPartitionBytes, openCostInBytes)``: a file no larger is read whole.
    """
    floor = min(max_partition_bytes, open_cost_bytes)
    return any(f.splittable and f.size > floor for f in files)
