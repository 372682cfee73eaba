"""Shared output formats: every command renders its results through these, never its own copy.

A command turns what it found into :class:`Result` objects (one per finding,
change or violation group) and hands them to the writer of the format the user
asked for: GitHub workflow annotations, SARIF 2.1.0, JUnit XML, markdown.
Text (rich) and JSON output stay with each command, since their shapes are the
commands' own contracts.
"""

from cdpctl.reporting.formats import (
    Result,
    RuleInfo,
    TestCase,
    github_annotations,
    junit_xml,
    markdown_escape,
    markdown_table,
    one_line,
    printable,
    sarif_log,
    sarif_text,
)

__all__ = [
    "Result",
    "RuleInfo",
    "TestCase",
    "github_annotations",
    "junit_xml",
    "markdown_escape",
    "markdown_table",
    "one_line",
    "printable",
    "sarif_log",
    "sarif_text",
]
