"""Read saved operations from disk: ``contracts/<target>/**/*.graphql`` and persisted-query manifests.

Only file reading happens here; parsing and validation are in :mod:`monitor.core.contracts`. A file that
cannot be read is a :class:`ContractProblem` like any other bad file, so it never hides the rest. Skipped
while walking a directory: ``variables/`` directories (operation variable fixtures), hidden directories
and ``node_modules``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from monitor.core.contracts import (
    DOCUMENT_SUFFIXES,
    MANIFEST_SUFFIXES,
    ContractProblem,
    OperationSet,
    SourceFile,
    parse_sources,
)
from monitor.errors import ContractError

SKIPPED_DIRECTORIES: Final = frozenset({"variables", "node_modules"})
SUFFIXES: Final = DOCUMENT_SUFFIXES | MANIFEST_SUFFIXES


def load_operations(directory: Path, *, base: Path | None = None) -> OperationSet:
    """Every operation under ``directory`` (recursively), fragments resolved across all its files.

    Paths in messages and results are shown relative to ``base`` (default: the working directory) when
    they lie under it. Raises :class:`ContractError` when ``directory`` is not a directory.
    """
    if not directory.is_dir():
        raise ContractError(
            f"{directory}: no such contracts directory (create it, or set the target's contracts)"
        )
    return _load(discover(directory), base)


def load_operation_files(paths: Sequence[Path], *, base: Path | None = None) -> OperationSet:
    """Operations from explicit files and directories (``gqlmon validate FILES...``), as one set.

    A directory is walked like :func:`load_operations`; a missing path is a problem, not an exception.
    """
    files: list[Path] = []
    problems: list[ContractProblem] = []
    for path in paths:
        if path.is_dir():
            files.extend(discover(path))
        elif path.exists():
            files.append(path)
        else:
            problems.append(ContractProblem(_display(path, base), None, "no such file or directory"))
    loaded = _load(_unique(files), base)
    return OperationSet(loaded.operations, (*problems, *loaded.problems))


def discover(directory: Path) -> list[Path]:
    """The operation and manifest files under ``directory``, sorted, skipping fixture and hidden dirs."""
    found: list[Path] = []
    for path in directory.rglob("*"):
        relative = path.relative_to(directory).parts[:-1]
        if any(part in SKIPPED_DIRECTORIES or part.startswith(".") for part in relative):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found)


def read_sources(
    paths: Iterable[Path], *, base: Path | None = None
) -> tuple[list[SourceFile], list[ContractProblem]]:
    """The text of every file; unreadable files (permissions, not UTF-8) become problems."""
    sources: list[SourceFile] = []
    problems: list[ContractProblem] = []
    for path in paths:
        shown = _display(path, base)
        try:
            sources.append(SourceFile(shown, path.read_text(encoding="utf-8-sig")))
        except UnicodeDecodeError as exc:
            problems.append(
                ContractProblem(shown, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
            )
        except OSError as exc:
            problems.append(ContractProblem(shown, None, f"cannot read: {exc.strerror or exc}"))
    return sources, problems


def _load(paths: Iterable[Path], base: Path | None) -> OperationSet:
    sources, problems = read_sources(paths, base=base)
    parsed = parse_sources(sources)
    return OperationSet(parsed.operations, (*problems, *parsed.problems))


def _unique(paths: Iterable[Path]) -> list[Path]:
    seen: set[Path] = set()
    out: list[Path] = []
    for path in paths:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def _display(path: Path, base: Path | None) -> str:
    """``path`` relative to ``base`` (or the working directory) when under it, with ``/`` separators."""
    root = (base or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
