"""Reading a .cu file for the CPU runner: its kernels, its __shared__ declarations, and the
compiler messages about it.

The CPU runner compiles the student's file with g++. Three things need the source itself:
the launchers (one per ``__global__`` function, so Python can call it), the rewrite of
``__shared__`` declarations into block-shared memory, and compiler messages that point at
the student's file and line, whichever compiler (g++ or nvcc) produced them.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import NoReturn
from dataclasses import dataclass

from .errors import CompileMessage, CudaCompileError


def strip_comments(source: str) -> str:
    """The source with comments and string contents blanked out, same length and same lines,
    so that positions found in it are positions in the original."""
    out = list(source)
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out[i:j] = [ch if ch == "\n" else " " for ch in source[i:j]]
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            out[i + 1 : j] = " " * (j - i - 1)
            i = j + 1
        else:
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Kernel:
    """A ``__global__`` function: its name, parameter names and the line it starts on."""

    name: str
    params: tuple[str, ...]
    line: int


_KERNEL = re.compile(r"\b__global__\s+(?:[\w:]+\s+|__launch_bounds__\s*\([^)]*\)\s*)*?void\s+(\w+)\s*\(([^)]*)\)")


def find_kernels(source: str) -> list[Kernel]:
    """Every ``__global__ void name(params)`` in the file, in order."""
    clean = strip_comments(source)
    kernels = []
    for m in _KERNEL.finditer(clean):
        params = []
        for p in _split_top(m.group(2)):
            p = re.sub(r"\[[^\]]*\]", "", p).strip()
            if not p or p == "void":
                continue
            names = re.findall(r"[A-Za-z_]\w*", p)
            params.append(names[-1] if names else "?")
        kernels.append(Kernel(m.group(1), tuple(params), clean.count("\n", 0, m.start()) + 1))
    return kernels


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


_DECLARATOR = re.compile(r"^\s*(\**)\s*([A-Za-z_]\w*)\s*((?:\[[^\]]*\]\s*)*)$")


def rewrite_shared(source: str, filename: str) -> str:
    """Turn each ``__shared__`` declaration into the header's NEEDLE_SHARED macros, on the
    same lines, so that every block gets its own (poisoned) copy; reject what nvcc rejects."""
    clean = strip_comments(source)
    pieces, last = [], 0
    for m in re.finditer(r"\b__shared__\b", clean):
        start = max(
            clean.rfind(";", 0, m.start()),
            clean.rfind("{", 0, m.start()),
            clean.rfind("}", 0, m.start()),
            clean.rfind("\n#", 0, m.start()),
        )
        start += 1
        while start < m.start() and clean[start].isspace():
            start += 1
        end = clean.find(";", m.end())
        line = clean.count("\n", 0, m.start()) + 1
        if end < 0:
            _fail(filename, line, "a __shared__ declaration must end with ';'")
        depth = clean.count("{", 0, m.start()) - clean.count("}", 0, m.start())
        statement = clean[start:end]
        words = statement.replace("__shared__", " ")
        is_extern = bool(re.search(r"\bextern\b", words))
        words = re.sub(r"\b(extern|static)\b", " ", words).strip()
        if depth <= 0:
            _fail(
                filename,
                line,
                "the CPU runner needs __shared__ variables declared inside the kernel "
                "(or __device__ function) that uses them, not at file scope",
            )
        if "=" in words or "{" in words:
            _fail(
                filename,
                line,
                "a __shared__ variable cannot have an initializer (nvcc rejects it too): "
                "declare it, then have the threads write it and call __syncthreads()",
            )
        decls = _split_top(words)
        first = re.match(r"^(.*?)([A-Za-z_]\w*)\s*((?:\[[^\]]*\]\s*)*)$", decls[0].strip())
        if not first or not first.group(1).strip():
            _fail(filename, line, f"cannot read this __shared__ declaration: {statement.strip()}")
        base_type = first.group(1).strip()
        stars = re.match(r"^(.*?)(\**)$", base_type)
        assert stars is not None  # the pattern matches any string
        base_type, first_stars = stars.group(1).strip(), stars.group(2)
        items = [(first_stars, first.group(2), first.group(3).strip())]
        for d in decls[1:]:
            dm = _DECLARATOR.match(d)
            if not dm:
                _fail(filename, line, f"cannot read this __shared__ declaration: {statement.strip()}")
            items.append((dm.group(1), dm.group(2), dm.group(3).strip()))
        out = []
        for ptr, name, dims in items:
            typ = base_type + ptr
            if is_extern:
                if dims.replace(" ", "") != "[]":
                    _fail(
                        filename,
                        line,
                        "an extern __shared__ array is declared with empty brackets, "
                        "e.g. extern __shared__ float buf[];",
                    )
                out.append(f"NEEDLE_EXTERN_SHARED({typ}, {name})")
            else:
                if "[]" in dims.replace(" ", ""):
                    _fail(
                        filename,
                        line,
                        "a __shared__ array needs a size; only extern __shared__ arrays "
                        "take theirs from the launch (shared=...)",
                    )
                out.append(f"NEEDLE_SHARED({typ}, {name}, {dims}, {line})")
        replacement = " ".join(out) + "\n" * source.count("\n", start, end + 1)
        pieces.append(source[last:start])
        pieces.append(replacement)
        last = end + 1
    pieces.append(source[last:])
    return "".join(pieces)


def _fail(filename: str, line: int, message: str) -> NoReturn:
    raise CudaCompileError(filename, [CompileMessage(filename, line, "error", message)], compiler="needle_core.cuda")


_GXX = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<kind>fatal error|error|warning): "
    r"(?P<msg>.*)$"
)
_NVCC = re.compile(r"^(?P<file>[^\n(]+)\((?P<line>\d+)\): (?P<kind>error|warning)(?: #\S+-D)?: (?P<msg>.*)$")


def parse_messages(
    output: str, filename: str | None = None, kinds: Container[str] = ("error", "fatal error")
) -> list[CompileMessage]:
    """Compiler messages, from g++ (``file:line:col: error: msg``) or nvcc
    (``file(line): error: msg``), as ``CompileMessage(file, line, kind, message)``.
    Messages about the generated launchers or the kit header are kept, with their own file."""
    found = []
    for raw in output.splitlines():
        m = _GXX.match(raw) or _NVCC.match(raw)
        if not m or m.group("kind") not in kinds:
            continue
        message = re.sub(r"call to '\w+' declared with attribute error: ", "", m.group("msg").strip())
        found.append(
            CompileMessage(
                m.group("file").strip(),
                int(m.group("line")),
                "error" if "error" in m.group("kind") else m.group("kind"),
                message,
            )
        )
    if filename:  # the student's own file first: that is what they can fix
        found.sort(key=lambda c: c.file != filename)
    return found
