"""The leak scan finds solution lines anywhere in a release, notebook outputs included."""

import nbformat

from grader.assignments import get
from grader.leakscan import scan, solution_lines
from grader.preprocessors import HIDDEN_NOTE, hide_hidden_source

SECRET_LINE = "return float(np.mean(log_sum_exp - Z[np.arange(Z.shape[0]), y]))"


def test_solution_lines_hold_this_assignment_but_not_given_code():
    secret = solution_lines(get("a1"), [], {"a1", "a2", "a3"})
    assert SECRET_LINE in secret
    assert '"""Return (average softmax loss, error rate) of logits ``h`` (m × k) on labels ``y``."""' not in secret
    assert all(len(line) >= 12 for line in secret)


def test_earlier_regions_are_not_secret_in_a_later_release():
    assert SECRET_LINE not in solution_lines(get("a2"), [], {"a2", "a3"})
    assert SECRET_LINE in solution_lines(get("a2"), [], {"a1", "a2", "a3"})


def test_scan_finds_a_line_in_code_and_in_notebook_outputs(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(f"def f():\n    {SECRET_LINE}\n")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", text=f"{SECRET_LINE}\n")]
    nb.cells = [cell, nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, tmp_path / "a.ipynb")
    leaks = scan(tmp_path, {SECRET_LINE})
    assert [(leak.file, leak.where) for leak in leaks] == [("a.ipynb", "cell 0 output"), ("pkg/m.py", "line 2")]


def test_scan_flags_hidden_test_markers(tmp_path):
    (tmp_path / "t.py").write_text("### BEGIN HIDDEN TESTS\n")
    assert len(scan(tmp_path, set())) == 1


def test_hide_hidden_source_keeps_visible_lines_only():
    source = "print('visible')\n### BEGIN HIDDEN TESTS\nassert secret()\n### END HIDDEN TESTS\nprint('after')"
    hidden = hide_hidden_source(source)
    assert "secret" not in hidden and "print('visible')" in hidden and "print('after')" in hidden
    assert HIDDEN_NOTE in hidden


MARKED_TWO_WAYS = (
    "print('visible')\n## BEGIN HIDDEN TESTS\nassert secret_check(42)\n# END HIDDEN TESTS here\nprint('after')"
)


def test_hidden_blocks_are_read_with_nbgraders_rule_everywhere():
    from grader.leakscan import _blocks
    from grader.regions import has_hidden, split_hidden

    assert has_hidden(MARKED_TWO_WAYS)
    assert split_hidden(MARKED_TWO_WAYS) == (["print('visible')", "print('after')"], ["assert secret_check(42)"])
    shown = hide_hidden_source(MARKED_TWO_WAYS)
    assert "secret_check" not in shown and HIDDEN_NOTE in shown and "print('after')" in shown
    inside, outside = _blocks(MARKED_TWO_WAYS)
    assert inside == ["assert secret_check(42)"] and "print('after')" in outside


def test_outputs_carrying_hidden_lines_are_scrubbed_whatever_their_kind():
    from grader.leakscan import SCRUBBED, scrub_outputs

    secret = {"assert secret_check(42)"}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "test_x_hidden"}})
    cell.outputs = [
        nbformat.v4.new_output(
            "stream", name="stderr", text="warning at line 3:\n  LEAK> assert secret_check(42)  # !\n"
        ),
        nbformat.v4.new_output("error", ename="E", evalue="fine", traceback=["----> 3 assert secret_check(42)"]),
        nbformat.v4.new_output("display_data", data={"text/plain": "assert secret_check(42)"}),
        nbformat.v4.new_output("stream", name="stdout", text="nothing to see\n"),
    ]
    nb.cells.append(cell)
    cell.outputs.append(
        nbformat.v4.new_output("error", ename="E", evalue="assert secret_check(42) failed", traceback=["whatever"])
    )
    cell.outputs.append(
        nbformat.v4.new_output(
            "error", ename="E", evalue="fine", traceback=["\x1b[0;32massert\x1b[0m secret_check(\x1b[0;36m42\x1b[0m)"]
        )
    )
    assert scrub_outputs(nb, secret) == ["test_x_hidden"] * 5
    stream, error, display, untouched, leaky_error, coloured = cell.outputs
    assert stream.text == "warning at line 3:\n" + SCRUBBED  # only the leaking line goes
    assert error.traceback == ["E: fine"] and error.evalue == "fine"  # the message stays, the code goes
    assert display.text == SCRUBBED and leaky_error.text == SCRUBBED
    assert coloured.traceback == ["E: fine"]  # colours do not hide a leak
    assert untouched.text == "nothing to see\n"
