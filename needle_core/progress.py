"""One progress bar for every long loop of the course (training epochs, grading)."""

from tqdm.auto import tqdm


def progress(iterable, description: str, enabled: bool = True, **kwargs):
    """Wrap ``iterable`` in a progress bar (a widget in Jupyter, text in a terminal)."""
    return tqdm(iterable, desc=description, disable=not enabled, **kwargs)
