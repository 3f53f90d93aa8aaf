"""What start-up built is set aside from the garbage collector's full collections."""

from __future__ import annotations

import gc

from prens.heap import set_aside_startup_objects


def test_objects_alive_at_start_up_are_no_longer_walked() -> None:
    built = [[i] for i in range(5_000)]  # containers the collector tracks
    try:
        set_aside_startup_objects()
        tracked = {id(o) for o in gc.get_objects()}
        assert not any(id(o) in tracked for o in built)
        assert gc.get_freeze_count() >= len(built)
        later = [object(), [1]]
        assert id(later[1]) in {id(o) for o in gc.get_objects()}  # new objects are walked
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
