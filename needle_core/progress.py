"""One progress bar for every long loop of the course (training epochs, grading)."""

import sys

from tqdm.std import tqdm


def progress(iterable, description: str, enabled: bool = True, **kwargs):
    """Wrap ``iterable`` in a text progress bar.

    Text rather than a widget: a widget bar is saved as a frozen "0%" in notebooks and static
    renders (the docs site, nbgrader's feedback), while text shows how far the loop got. In a
    notebook the bar goes to stdout (stderr would show it as a red warning), in a terminal to stderr.
    """
    kwargs.setdefault("file", sys.stdout if "ipykernel" in sys.modules else sys.stderr)
    kwargs.setdefault("mininterval", 0.5)
    return tqdm(iterable, desc=description, disable=not enabled, **kwargs)
