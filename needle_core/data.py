"""Where the data sets are: the four IDX files of MNIST or Fashion-MNIST.

Looked up, in this order: the folder named by the environment variable
``NEEDLE_DATASETS``; a ``datasets/`` folder in the current directory or any
parent; the ``datasets/`` folder of the repository this package sits in.
Nothing is ever downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

NAMES = ("mnist", "fashion-mnist")
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def _candidates() -> Iterator[Path]:
    if os.environ.get("NEEDLE_DATASETS"):
        yield Path(os.environ["NEEDLE_DATASETS"])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        yield folder / "datasets"
    yield Path(__file__).resolve().parent.parent / "datasets"


def dataset_dir(name: str = "mnist") -> Path:
    """The folder holding data set ``name`` ("mnist" or "fashion-mnist")."""
    if name not in NAMES:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(NAMES)}")
    for root in _candidates():
        if all((root / name / f).is_file() for f in FILES.values()):
            return root / name
    raise FileNotFoundError(
        f"Could not find the {name} files ({', '.join(FILES.values())}). Put the kit's "
        f"datasets/ folder next to your notebooks, or set NEEDLE_DATASETS to the folder "
        f"that contains {name}/."
    )


def dataset_files(name: str = "mnist") -> dict[str, str]:
    """Paths of the four files of ``name``, keyed train_images, train_labels, test_images, test_labels."""
    folder = dataset_dir(name)
    return {key: str(folder / filename) for key, filename in FILES.items()}
