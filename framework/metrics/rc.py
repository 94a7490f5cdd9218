"""Reference-counting metrics: cascades (as goroutine pauses) and unreclaimed garbage."""

from __future__ import annotations

from typing import Any

import numpy as np

from framework.events import RunLog


def rc_stats(log: RunLog) -> dict[str, Any]:
    """- ``cascade_events``: cascades large enough to be recorded as pauses, with their
      largest size (``cascade_event_max_objects``);
    - ``unreclaimed_bytes_max`` / ``_final``: allocated-but-unreachable bytes at the
      collector's sample points (0 when it took none); the leak after a final collection
      is ``leaked_bytes``, from the run's counters."""
    sizes = np.array([c[3] for c in log.cascades], dtype=np.int64)
    garbage = np.array([u[2] for u in log.unreclaimed], dtype=np.int64)
    return {
        "cascade_events": int(sizes.size),
        "cascade_event_max_objects": int(sizes.max()) if sizes.size else 0,
        "unreclaimed_bytes_max": int(garbage.max()) if garbage.size else 0,
        "unreclaimed_bytes_final": int(garbage[-1]) if garbage.size else 0,
    }
