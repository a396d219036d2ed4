"""The whole cycle on sample submissions: release, submit, autograde, feedback, export."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from . import gradebook, samples
from .assignments import Assignment
from .autograde import Limits, autograde
from .course import Course
from .export import export
from .feedback import feedback
from .release import release
from .text_table import format_table

T = TypeVar("T")


class Stopwatch:
    """Times named steps and prints them as a table at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def run(self, label: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        print(f"→ {label}", flush=True)
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        self.rows.append((label, f"{time.perf_counter() - start:.1f} s"))
        return result

    def table(self) -> str:
        return format_table([("step", "time"), *self.rows])


def demo(course: Course, assignments: list[Assignment], limits: Limits) -> str:
    """Run the cycle for every assignment; return the printed gradebook."""
    clock = Stopwatch()
    for a in assignments:
        clock.run(f"release {a.name}", release, course, a)
        made = clock.run(f"sample submissions {a.name}", samples.make_all, course, a)
        print("  " + ", ".join(s.name for s in made))
        clock.run(f"autograde {a.name} ({len(made)} submissions)", autograde, course, a, limits=limits)
        files = clock.run(f"feedback {a.name}", feedback, course, a)
        print(f"  {len(files)} feedback files under {course.root / 'feedback'}")
    csv = clock.run("export grades", export, course, course.root / "grades.csv")
    table = gradebook.table(course, assignments)
    print(f"\nGradebook ({csv}):\n\n{table}\n\nTime per step:\n\n{clock.table()}")
    return table
