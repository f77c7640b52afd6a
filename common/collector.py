"""Python's cyclic garbage collector, paused for a step that builds many objects at once.

A campaign's closing builds a hundred thousand model instances in one go (the stock's devices,
the allocation's records, the orders, their lines and purchase orders). Each allocation of a
container counts toward the collector's next run, so it runs again and again during such a
step, and each of its full collections walks every object the process tracks: the
application's own (about 190,000 in a web process serving pages, some 90 ms a walk) and the
step's, which are all still in use. Paused, nothing is walked; objects are freed by their
reference counts as always, and the few cycles the step leaves behind wait for the next
collection once the collector runs again.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused, then as it was before.

    The collector is the process's: a thread running beside the block goes without it too,
    until the block ends (its memory grows by the cycles it leaves, nothing else). A block
    inside another leaves it paused for the outer one to resume.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
