"""Run inside the sandbox: execute a notebook cell by cell, whatever its code does.

Usage: ``python -I run_notebook.py NOTEBOOK OUT CELL_TIMEOUT``. Writes the executed notebook
to OUT. A cell that runs past CELL_TIMEOUT, or a kernel that dies (segfault, ``os._exit``,
out of memory), costs that cell only: the kernel is restarted, the set-up cells before it
are run again quietly, and execution goes on with the next cell. Output is capped per cell
and per notebook as it arrives, so a flood costs nothing but the flood.

This file runs with the student's code beside it and imports nothing of the kit.
"""

import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

CELL_OUTPUT_LIMIT = 256 * 1024          # bytes of output kept per cell
NOTEBOOK_OUTPUT_LIMIT = 8 * 1024 * 1024  # bytes of output kept per notebook
MAX_RESTARTS = 8


def error_output(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class CappedClient(NotebookClient):
    """A notebook client that keeps at most so many bytes of output."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept = {}
        self.total = 0
        self.capped = set()

    def output(self, outs, msg, display_id, cell_index):
        size = len(str(msg.get("content", "")))
        kept = self.kept.get(cell_index, 0)
        if kept + size > CELL_OUTPUT_LIMIT or self.total + size > NOTEBOOK_OUTPUT_LIMIT:
            if cell_index not in self.capped:
                self.capped.add(cell_index)
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout",
                    text=f"\n[output cut: this cell printed more than {CELL_OUTPUT_LIMIT // 1024} KiB]\n"))
            return None
        self.kept[cell_index] = kept + size
        self.total += size
        return super().output(outs, msg, display_id, cell_index)


def is_grade(cell):
    return bool(cell.metadata.get("nbgrader", {}).get("grade"))


def run(path, out, timeout):
    nb = nbformat.read(path, as_version=4)
    client = CappedClient(nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=False,
                          kernel_name="python3", record_timing=False,
                          resources={"metadata": {"path": "."}})
    setup = []          # indices of non-graded cells that ran cleanly: replayed after a restart
    index, restarts = 0, 0
    while index < len(nb.cells):
        with client.setup_kernel():
            for i in setup:
                replay = nbformat.from_dict(nb.cells[i])
                try:
                    client.execute_cell(replay, i, store_history=False)
                except Exception:
                    break
            while index < len(nb.cells):
                cell = nb.cells[index]
                if cell.cell_type != "code":
                    index += 1
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    cell.outputs.append(error_output(
                        "CellTimeoutError", f"this cell ran past the time limit ({timeout} s) and was stopped"))
                except DeadKernelError:
                    cell.outputs.append(error_output(
                        "DeadKernelError", "the Python kernel died while running this cell (a crash, os._exit "
                        "or running out of memory); grading restarted it and went on with the next cell"))
                else:
                    if not is_grade(cell) and not any(o.output_type == "error" for o in cell.outputs):
                        setup.append(index)
                    index += 1
                    continue
                index += 1
                restarts += 1
                break
        if restarts > MAX_RESTARTS:
            for cell in nb.cells[index:]:
                if cell.cell_type == "code":
                    cell.outputs = [error_output("NotRun", "not run: the kernel died or timed out too often")]
            break
    nbformat.write(nb, out)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], int(sys.argv[3]))
