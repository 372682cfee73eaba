"""Interop with Segment Protocols: import Segment tracking plans, export the Public API rules form, scaffold projects.

``segment_read`` turns the three Segment formats into :class:`~cdpctl.interop.segment_read.SegmentRule` lists,
``convert`` turns their JSON Schemas into plan definitions (reporting what is lossy, with JSON pointers),
``extract`` moves identical recurring properties into the shared library, ``yamlwrite`` writes the plan
a person would write, ``export`` writes the Public API form, and ``scaffold`` backs ``cdpctl init``.
"""
