"""The committed data sets match the checksums published in datasets/README.md."""

import hashlib
import re
from pathlib import Path

import pytest

from needle_core.data import FILES, NAMES, dataset_files

DATASETS = Path(__file__).resolve().parent.parent / "datasets"


def published_checksums():
    """(data set, file, bytes, md5) rows of the tables in datasets/README.md."""
    rows, current = [], None
    for line in (DATASETS / "README.md").read_text().splitlines():
        heading = re.match(r"## .*`([\w-]+)/`", line)
        if heading:
            current = heading.group(1)
        row = re.match(r"\| (\S+\.gz) \| (\d+) \| ([0-9a-f]{32}) \|", line)
        if row:
            rows.append((current, row.group(1), int(row.group(2)), row.group(3)))
    return rows


def test_readme_lists_every_file():
    listed = {(name, file) for name, file, _, _ in published_checksums()}
    assert listed == {(name, file) for name in NAMES for file in FILES.values()}


@pytest.mark.parametrize("name,file,size,md5", published_checksums())
def test_checksum(name, file, size, md5):
    data = (DATASETS / name / file).read_bytes()
    assert len(data) == size
    assert hashlib.md5(data).hexdigest() == md5


def test_dataset_files_finds_the_committed_copy(monkeypatch, tmp_path):
    monkeypatch.delenv("NEEDLE_DATASETS", raising=False)
    monkeypatch.chdir(tmp_path)
    files = dataset_files("fashion-mnist")
    assert Path(files["train_images"]).samefile(DATASETS / "fashion-mnist" / FILES["train_images"])


def test_unknown_dataset_and_missing_folder_are_clear_errors(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="unknown data set"):
        dataset_files("cifar10")
