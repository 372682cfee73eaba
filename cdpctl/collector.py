"""The cyclic garbage collector while a plan is built: paused, and the plan's objects made old after.

Loading a plan (from YAML or from the plan cache) makes hundreds of thousands of
objects that hold no cycles and live as long as the command.  While they are made,
the collector would walk the growing trees again and again for no garbage; just
after, left in the young generations, they would be walked by the next young
collections (more than 0.1 s each for a 5,000-event plan, right when the command
starts its work).  :func:`paused` pauses the collector and, when done, moves every
tracked object to the oldest generation (``gc.freeze()`` then ``gc.unfreeze()``,
both public), which only the rare full collections walk.  Nothing is kept from
collection: cycles made meanwhile are found by the next full collection.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector paused inside the block (restored as it was after), the block's objects made old."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()
