"""Progress bars are text, so saved notebooks and static pages show how far a loop got."""

import io
import sys

from needle_core.progress import progress


def test_a_bar_is_text_that_ends_at_the_total():
    out = io.StringIO()
    for _ in progress(range(7), "epochs", file=out, mininterval=0):
        pass
    assert "epochs: 100%" in out.getvalue() and "7/7" in out.getvalue()


def test_in_a_notebook_the_bar_goes_to_stdout(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipykernel", sys)
    list(progress(range(3), "steps"))
    captured = capsys.readouterr()
    assert "steps: 100%" in captured.out and captured.err == ""


def test_a_disabled_bar_prints_nothing(capsys):
    assert list(progress(range(3), "quiet", enabled=False)) == [0, 1, 2]
    assert capsys.readouterr().err == ""
