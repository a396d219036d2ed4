"""needle_core.notebook: what the notebooks' cells share."""

import pytest

from needle_core.notebook import needs

history = [1, 2]


def test_needs_passes_when_the_names_exist():
    needs("history")


def test_needs_names_what_is_missing_and_where_it_comes_from():
    with pytest.raises(NotImplementedError, match="needs theta from the training cell, which did not finish"):
        needs("history", "theta", made_by="the training cell")
