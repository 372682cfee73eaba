"""Loading a YAML tracking plan into the :mod:`cdpctl.model`, collecting every problem.

The loader is split by responsibility, each layer building on the one before:

* :mod:`~cdpctl.loading.keys`: the keys each section may have, the limits, value helpers;
* :mod:`~cdpctl.loading.collect`: error collection and the small checks every section uses;
* :mod:`~cdpctl.loading.files`: reading files (YAML with positions, :mod:`cdpctl.yamlsrc`),
  includes and their confinement to the plan's folder tree;
* :mod:`~cdpctl.loading.constraints`: constraint keys and their contradictions;
* :mod:`~cdpctl.loading.definitions`: properties, shared definitions and reusable types;
* :mod:`~cdpctl.loading.plan`: calls, ``common:`` and the plan itself, and the entry points.

:mod:`cdpctl.loader` re-exports the public names.
"""
