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


def test_a_hidden_test_names_the_function_when_the_code_raises():
    from needle_core.notebook import hidden_test

    message = "softmax_loss raised ZeroDivisionError in a hidden test: division by zero"
    with pytest.raises(AssertionError, match=message):
        with hidden_test("softmax_loss"):
            1 / 0


@pytest.mark.parametrize("error", [AssertionError("softmax_loss: expected 2.5"), NotImplementedError("a stub")])
def test_a_hidden_test_lets_failed_checks_and_stubs_through(error):
    from needle_core.notebook import hidden_test

    with pytest.raises(type(error), match=str(error)):
        with hidden_test("softmax_loss"):
            raise error
