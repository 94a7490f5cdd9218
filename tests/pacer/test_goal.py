import pytest

from framework.pacer.goal import HEAP_MINIMUM, heap_goal

MiB = 1 << 20


@pytest.mark.parametrize(
    ("marked", "stack", "globs", "gogc", "expect"),
    [
        (100 * MiB, 0, 0, 100, 200 * MiB),
        (100 * MiB, 10 * MiB, 6 * MiB, 100, 216 * MiB),  # stacks and globals count (Go 1.18+)
        (100 * MiB, 10 * MiB, 6 * MiB, 50, 158 * MiB),
        (100 * MiB, 0, 0, 200, 300 * MiB),
        (1 * MiB, 0, 0, 100, 4 * MiB),  # 4 MiB floor
        (1 * MiB, 0, 0, 50, 2 * MiB),  # floor scales with GOGC
        (0, 0, 0, 100, HEAP_MINIMUM),
    ],
)
def test_heap_goal_formula(marked, stack, globs, gogc, expect):
    assert heap_goal(marked, stack, globs, gogc) == expect


def test_gogc_off_has_no_goal():
    assert heap_goal(100 * MiB, 0, 0, None) is None
