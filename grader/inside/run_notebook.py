"""Run inside the sandbox: execute a notebook cell by cell, whatever its code does.

Usage: ``python -I run_notebook.py NOTEBOOK OUT CELL_TIMEOUT``. Writes the executed notebook
to OUT. A cell that runs past CELL_TIMEOUT, or a kernel that dies (segfault, ``os._exit``,
out of memory), costs that cell only: the kernel is restarted, the set-up cells before it
are run again quietly, and execution goes on with the next cell. Output is capped per cell
and per notebook as it arrives, so a flood costs nothing but the flood.

This file runs with the student's code beside it and imports nothing of the kit.
"""

import os
import sys
from typing import Any

# nbformat validates notebooks with jsonschema, which imports every optional format checker it
# finds; rfc3987_syntax alone builds a parser grammar at import, about a second of CPU per
# process, and no field of a notebook has those formats. The runner does without them (the
# kernel, where the student's code runs, is another process and untouched by this).
for _unused in ("rfc3987_syntax", "isoduration", "webcolors", "uri_template", "fqdn"):
    sys.modules.setdefault(_unused, None)  # type: ignore[arg-type]  # None: "cannot be imported"

import nbformat  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402

CELL_OUTPUT_LIMIT = 256 * 1024  # bytes of output kept per cell
NOTEBOOK_OUTPUT_LIMIT = 8 * 1024 * 1024  # bytes of output kept per notebook
MAX_RESTARTS = 8
# No history database for a kernel that lives for one notebook (nbclient would keep it in memory).
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
# The kernel as ipykernel_launcher starts it, less the import of its debugger (debugpy: about a
# tenth of a second of CPU per kernel, for a feature nothing here uses; ipykernel goes on without it).
KERNEL_LAUNCHER = (
    "import sys\n"
    "if sys.path[0] == '':\n"
    "    del sys.path[0]\n"
    "sys.modules['debugpy'] = None\n"
    "from ipykernel import kernelapp\n"
    "kernelapp.launch_new_instance()\n"
)


class KernelManager(AsyncKernelManager):
    """Starts the python3 kernel through :data:`KERNEL_LAUNCHER`."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        for i in range(len(cmd) - 1):
            if cmd[i : i + 2] == ["-m", "ipykernel_launcher"]:
                return [*cmd[:i], "-c", KERNEL_LAUNCHER, *cmd[i + 2 :]]
        return cmd


def error_output(ename: str, evalue: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class CappedClient(NotebookClient):
    """A notebook client that keeps at most so many bytes of output."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: dict[int, int] = {}  # cell index -> bytes of output kept
        self.total = 0
        self.capped: set[int] = set()

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        size = len(str(msg.get("content", "")))
        kept = self.kept.get(cell_index, 0)
        if kept + size > CELL_OUTPUT_LIMIT or self.total + size > NOTEBOOK_OUTPUT_LIMIT:
            if cell_index not in self.capped:
                self.capped.add(cell_index)
                outs.append(
                    nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=f"\n[output cut: this cell printed more than {CELL_OUTPUT_LIMIT // 1024} KiB]\n",
                    )
                )
            return None
        self.kept[cell_index] = kept + size
        self.total += size
        return super().output(outs, msg, display_id, cell_index)


def is_grade(cell: nbformat.NotebookNode) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("grade"))


def run(path: str, out: str, timeout: int) -> None:
    nb = nbformat.read(path, as_version=4)
    client = CappedClient(
        nb,
        timeout=timeout,
        allow_errors=True,
        interrupt_on_timeout=False,
        kernel_name="python3",
        record_timing=False,
        extra_arguments=list(KERNEL_ARGUMENTS),
        kernel_manager_class=KernelManager,
        resources={"metadata": {"path": "."}},
    )
    setup: list[int] = []  # indices of non-graded cells that ran cleanly: replayed after a restart
    index, restarts = 0, 0
    while index < len(nb.cells):
        with client.setup_kernel():
            for i in setup:
                original = nb.cells[i]
                try:
                    # nbclient stores the cell it ran in the notebook: the replay's outputs must
                    # not take the place of those the cell had in its own turn
                    client.execute_cell(nbformat.from_dict(original), i, store_history=False)
                except Exception:
                    break
                finally:
                    nb.cells[i] = original
            while index < len(nb.cells):
                cell = nb.cells[index]
                if cell.cell_type != "code":
                    index += 1
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    cell.outputs.append(
                        error_output(
                            "CellTimeoutError", f"this cell ran past the time limit ({timeout} s) and was stopped"
                        )
                    )
                except DeadKernelError:
                    cell.outputs.append(
                        error_output(
                            "DeadKernelError",
                            "the Python kernel died while running this cell (a crash, os._exit "
                            "or running out of memory); grading restarted it and went on with the next cell",
                        )
                    )
                else:
                    if not is_grade(cell) and not any(o.output_type == "error" for o in cell.outputs):
                        setup.append(index)
                    index += 1
                    continue
                index += 1
                restarts += 1
                break  # a graceful shutdown interrupts the kernel first: the traceback shows where it hung
            else:
                # Every cell has run: nothing more to hear from this kernel, stop it at once.
                client.shutdown_kernel = "immediate"
        if restarts > MAX_RESTARTS:
            for cell in nb.cells[index:]:
                if cell.cell_type == "code":
                    cell.outputs = [error_output("NotRun", "not run: the kernel died or timed out too often")]
            break
    nbformat.write(nb, out)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    # The kernel is already shut down; skip the interpreter's
    # tear-down of nbclient, zmq and asyncio, a few tenths of a second that change nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
