"""One progress bar for every long loop of the course (training epochs, grading)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from tqdm.std import tqdm


def progress(iterable: Iterable[Any] | None, description: str, enabled: bool = True, **kwargs: Any) -> tqdm:
    """Wrap ``iterable`` in a text progress bar.

    Text rather than a widget: a widget bar is saved as a frozen "0%" in notebooks and static
    renders (the docs site, nbgrader's feedback), while text shows how far the loop got. In a
    notebook the bar goes to stdout (stderr would show it as a red warning), in a terminal to stderr.
    With ``iterable=None`` (and ``total=``), advance the bar yourself with ``bar.update()``.
    """
    kwargs.setdefault("file", sys.stdout if "ipykernel" in sys.modules else sys.stderr)
    kwargs.setdefault("mininterval", 0.5)
    return tqdm(iterable, desc=description, disable=not enabled, **kwargs)
