"""Finding, stripping and filling student regions in code files."""

import pytest

from grader.regions import RegionError, fill_text, find_regions, region_bodies, strip_text

PY = '''\
def add(a, b):
    """Return a + b."""
    ### BEGIN SOLUTION a1
    total = a + b
    return total
    ### END SOLUTION


class Box:
    def area(self):
        ### BEGIN SOLUTION a2
        return self.w * self.h
        ### END SOLUTION
'''

CU = """\
__global__ void ScalarAdd(const float* a, float val, float* out, size_t size) {
  size_t gid = blockIdx.x * blockDim.x + threadIdx.x;
  /// BEGIN SOLUTION a4
  if (gid < size) out[gid] = a[gid] + val;
  /// END SOLUTION
}
"""


def test_finds_tags_and_enclosing_functions():
    found = [(r.tag, r.function) for r in find_regions(PY, "###")]
    assert found == [("a1", "add"), ("a2", "Box.area")]
    assert [(r.tag, r.function) for r in find_regions(CU, "///")] == [("a4", "ScalarAdd")]


def test_strip_replaces_only_the_chosen_tags_with_a_failing_stub():
    stripped = strip_text(PY, "needle_core/m.py", {"a1"})
    assert "total = a + b" not in stripped and "return self.w * self.h" in stripped
    namespace = {}
    exec(compile(stripped, "m.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="add is not implemented yet.*needle_core/m.py.*a1"):
        namespace["add"](1, 2)


def test_strip_cuda_keeps_markers_and_compiles_to_a_comment():
    stripped = strip_text(CU, "cuda_kernels/ewise.cu", {"a4"})
    assert "a[gid] + val" not in stripped
    assert "/// BEGIN SOLUTION a4" in stripped and "/* ScalarAdd is not implemented yet" in stripped


def test_fill_restores_the_stripped_text():
    stripped = strip_text(PY, "m.py", {"a1", "a2"})
    assert fill_text(stripped, "m.py", region_bodies(PY, "m.py"), {"a1", "a2"}) == PY
    partly = fill_text(stripped, "m.py", region_bodies(PY, "m.py"), {"a1"})
    assert "total = a + b" in partly and "return self.w * self.h" not in partly


@pytest.mark.parametrize(
    "text,problem",
    [
        ("    ### BEGIN SOLUTION a1\n    x = 1\n", "never closed"),
        ("    x = 1\n    ### END SOLUTION\n", "without a BEGIN"),
        ("    ### BEGIN SOLUTION\n    ### END SOLUTION\n", "needs an assignment tag"),
        ("### BEGIN SOLUTION a1\n### BEGIN SOLUTION a1\n### END SOLUTION\n", "inside the region"),
    ],
)
def test_malformed_markers_are_reported_with_the_line(text, problem):
    with pytest.raises(RegionError, match=problem):
        find_regions(text, "###", "m.py")


def test_files_without_regions_are_left_alone():
    assert strip_text("x = 1\n", "notes.txt", {"a1"}) == "x = 1\n"
