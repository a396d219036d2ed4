"""needle_core.notebook: what the notebooks' cells share."""

import pytest

from needle_core.notebook import needs

history = [1, 2]


def test_needs_passes_when_the_names_exist():
    needs("history")


def test_needs_names_what_is_missing_and_where_it_comes_from():
    with pytest.raises(NotImplementedError, match="needs theta from the training cell, which did not finish"):
        needs("history", "theta", made_by="the training cell")


def test_grading_is_true_when_nbgrader_runs_the_notebook(monkeypatch):
    from needle_core.notebook import grading
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not grading()
    for mode in ("autograde", "validate"):
        monkeypatch.setenv("NBGRADER_EXECUTION", mode)
        assert grading()
