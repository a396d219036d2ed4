"""`carry` brings a student's regions forward and names the code it could not bring."""

import shutil

from grader.assignments import REPO, get
from grader.carry import carry, describe
from grader.regions import strip_text


def _copy_with(tmp_path, name, tags):
    folder = tmp_path / name / "needle_core"
    folder.mkdir(parents=True)
    source = REPO / "needle_core" / "simple_ml.py"
    (folder / "simple_ml.py").write_text(strip_text(source.read_text(), "needle_core/simple_ml.py", tags))
    return folder.parent


def test_carry_reports_helpers_written_outside_the_markers(tmp_path):
    mine = tmp_path / "my_a1"
    shutil.copytree(REPO / "needle_core", mine / "needle_core", ignore=shutil.ignore_patterns("__pycache__"))
    path = mine / "needle_core" / "simple_ml.py"
    text = path.read_text()
    text = text.replace("def softmax_loss(", "def _my_helper(Z):\n    return Z - Z.max()\n\n\ndef softmax_loss(", 1)
    path.write_text(text)
    new = _copy_with(tmp_path, "my_a2", {"a1", "a2", "a3", "a4"})
    result = carry(get("a2"), mine, new)
    assert result.changed == [new / "needle_core" / "simple_ml.py"]
    left = result.left_behind[new / "needle_core" / "simple_ml.py"]
    assert left == ["def _my_helper(Z):", "    return Z - Z.max()"]
    message = describe(result)
    assert "Not carried: 2 line(s)" in message and "def _my_helper(Z):" in message


def test_carry_of_region_code_alone_reports_nothing_left_behind(tmp_path):
    mine = tmp_path / "my_a1"
    shutil.copytree(REPO / "needle_core", mine / "needle_core", ignore=shutil.ignore_patterns("__pycache__"))
    new = _copy_with(tmp_path, "my_a2", {"a1", "a2", "a3", "a4"})
    result = carry(get("a2"), mine, new)
    assert result.changed and result.left_behind == {}
    assert "Not carried" not in describe(result)
