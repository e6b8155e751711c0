"""Read saved operations from disk: ``.graphql`` files, persisted-query manifests and source code.

Source files (TypeScript, JavaScript, Vue, Svelte, Python) go through :mod:`monitor.adapters.sourcecode`;
their embedded documents are parsed with the ``.graphql`` files, so fragments resolve across both.

Only file reading happens here; parsing and validation are in :mod:`monitor.core.contracts`. A file that
cannot be read is a :class:`ContractProblem` like any other bad file, so it never hides the rest. Skipped
while walking a directory: ``variables/`` directories (operation variable fixtures), hidden directories
and ``node_modules``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Final

from monitor.core.contracts import (
    DOCUMENT_SUFFIXES,
    MANIFEST_SUFFIXES,
    ContractProblem,
    OperationSet,
    SourceFile,
    parse_sources,
)
from monitor.core.contracts.embedded import (
    CODE_SUFFIXES,
    EmbeddedDocument,
    ExtractedFile,
    resolve_documents,
    resolve_module,
)
from monitor.errors import ContractError
from monitor.settings.models import Settings, TargetConfig

SKIPPED_DIRECTORIES: Final = frozenset({"variables", "node_modules", "__pycache__"})
SUFFIXES: Final = DOCUMENT_SUFFIXES | MANIFEST_SUFFIXES | CODE_SUFFIXES
# How many files an import may pull in, beyond the given ones, to resolve interpolated fragments.
MAX_SUPPORT_FILES: Final = 200


def load_operations(
    directory: Path, *, base: Path | None = None, functions: Sequence[str] | None = None
) -> OperationSet:
    """Every operation under ``directory`` (recursively), fragments resolved across all its files.

    Paths in messages and results are shown relative to ``base`` (default: the working directory) when
    they lie under it. Raises :class:`ContractError` when ``directory`` is not a directory.
    """
    if not directory.is_dir():
        raise ContractError(
            f"{directory}: no such contracts directory (create it, or set the target's contracts)"
        )
    return _load(discover(directory), base, functions)


def load_operation_files(
    paths: Sequence[Path], *, base: Path | None = None, functions: Sequence[str] | None = None
) -> OperationSet:
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
    loaded = _load(_unique(files), base, functions)
    return OperationSet(loaded.operations, (*problems, *loaded.problems))


def load_operation_globs(
    patterns: Sequence[str],
    *,
    root: Path,
    exclude: Sequence[str] = (),
    base: Path | None = None,
    functions: Sequence[str] | None = None,
) -> OperationSet:
    """Operations from the files that ``patterns`` match under ``root`` (see :func:`expand_globs`)."""
    files = expand_globs(patterns, root=root, exclude=exclude)
    if not files:
        shown = ", ".join(p for p in patterns if not p.startswith("!"))
        return OperationSet((), (ContractProblem(_display(root, base), None, f"no file matches {shown}"),))
    return _load(files, base, functions)


@dataclass(frozen=True, slots=True)
class Contracts:
    """Where a target's saved operations are: the directory ``root`` (``globs`` None), or the files that
    ``globs`` match under ``root`` less ``exclude``."""

    root: Path
    globs: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()


def locate_contracts(
    location: Path,
    *,
    globs: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    project: str | None = None,
) -> Contracts:
    """A target's ``contracts``: a directory, glob patterns relative to ``location``, or a graphql-config
    file (its ``project``'s documents and excludes, relative to the file's directory).

    Raises :class:`~monitor.errors.ConfigError` for a graphql-config file that cannot be used."""
    if globs is not None:
        return Contracts(location, tuple(globs), tuple(exclude))
    from monitor.adapters.graphqlconfig import is_config_file, load_project

    if is_config_file(location) and location.is_file():
        found = load_project(location, project)
        return Contracts(found.root, found.documents, (*exclude, *found.exclude))
    return Contracts(location, None, tuple(exclude))


def load_contracts(
    contracts: Contracts, *, base: Path | None = None, functions: Sequence[str] | None = None
) -> OperationSet:
    """The operations of :func:`locate_contracts`'s answer (a missing directory raises ContractError)."""
    if contracts.globs is None:
        return load_operations(contracts.root, base=base, functions=functions)
    return load_operation_globs(
        contracts.globs, root=contracts.root, exclude=contracts.exclude, base=base, functions=functions
    )


def target_contracts(settings: Settings, target: TargetConfig) -> OperationSet | None:
    """The saved operations of a configured target, as every part of gqlmon reads them (the check, the
    MCP server's ``check_contracts``): paths shown relative to :func:`contracts_base`, so reports and the
    digests that decide reuse do not depend on the working directory. None when its contracts directory
    does not exist (the target has no saved operations)."""
    contracts = locate_contracts(
        target.contracts_dir,
        globs=target.contracts_globs,
        exclude=target.contracts_exclude,
        project=target.contracts_project,
    )
    if contracts.globs is None and not contracts.root.is_dir():
        return None
    return load_contracts(
        contracts, base=contracts_base(settings, target), functions=target.graphql_functions
    )


def contracts_base(settings: Settings, target: TargetConfig) -> Path:
    """What saved operations' paths are shown relative to: the configuration file's directory when the
    contracts live under it, else the directory holding ``contracts/`` (``contracts/<target>/x.graphql``)."""
    directory = target.contracts_dir.resolve()
    if settings.config_path is not None:
        home = settings.config_path.resolve().parent
        if directory.is_relative_to(home):
            return home
    return directory.parent.parent


def expand_globs(patterns: Sequence[str], *, root: Path, exclude: Sequence[str] = ()) -> list[Path]:
    """The files under ``root`` that match a pattern and no exclude, sorted.

    Patterns are relative to ``root`` with ``/`` separators: ``*`` and ``?`` stay within a directory,
    ``**`` spans directories, ``{ts,tsx}`` lists alternatives; a pattern starting with ``!`` excludes.
    ``node_modules``, ``__pycache__`` and hidden directories are not walked.
    """
    includes = [_glob_regex(p) for p in patterns if not p.startswith("!")]
    excludes = [
        _glob_regex(p.removeprefix("!")) for p in (*exclude, *(p for p in patterns if p.startswith("!")))
    ]
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIPPED_DIRECTORIES - {"variables"} and not d.startswith(".")
        )
        for filename in filenames:
            path = Path(directory, filename)
            relative = path.relative_to(root).as_posix()
            if any(r.fullmatch(relative) for r in includes) and not any(
                r.fullmatch(relative) for r in excludes
            ):
                found.append(path)
    return sorted(found)


def excluded(path: Path, patterns: Sequence[str]) -> bool:
    """Whether ``path`` (relative to the working directory when under it) matches one of ``patterns``."""
    shown = _display(path, None)
    return any(_glob_regex(p.removeprefix("!")).fullmatch(shown) for p in patterns)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob (``src/**/*.{ts,tsx}``) as a regular expression over ``/``-separated relative paths."""
    pattern = pattern.removeprefix("./")
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{":
            out.append("(?:")
            depth += 1
        elif char == "}" and depth:
            out.append(")")
            depth -= 1
        elif char == "," and depth:
            out.append("|")
        elif char == "[":
            close = pattern.find("]", i + 1)
            if close == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : close]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = close
        else:
            out.append(re.escape(char))
        i += 1
    if depth:
        raise ContractError(f"contracts pattern {pattern!r}: unbalanced '{{'")
    return re.compile("".join(out))


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


def _load(paths: Iterable[Path], base: Path | None, functions: Sequence[str] | None = None) -> OperationSet:
    sources, problems = read_sources(paths, base=base)
    documents = [s for s in sources if PurePath(s.path).suffix.lower() not in CODE_SUFFIXES]
    code = [s for s in sources if PurePath(s.path).suffix.lower() in CODE_SUFFIXES]
    embedded: list[EmbeddedDocument] = []
    if code:
        extracted = _extract_with_imports(code, base, functions)
        embedded, found = resolve_documents(extracted)
        problems.extend(found)
    parsed = parse_sources(documents, embedded)
    return OperationSet(parsed.operations, (*problems, *parsed.problems))


def _extract_with_imports(
    code: list[SourceFile], base: Path | None, functions: Sequence[str] | None
) -> list[ExtractedFile]:
    """Extract every code file, then the files their interpolated names are imported from (relative
    imports only, ``support`` files whose own operations are not checked), so a fragment kept next to
    the code resolves even when only the component was given."""
    from monitor.adapters.sourcecode import DEFAULT_FUNCTIONS, extract

    names = tuple(functions) if functions else DEFAULT_FUNCTIONS
    extracted = {s.path: extract(s.path, s.text, functions=names) for s in code}
    root = (base or Path.cwd()).resolve()
    pending = list(extracted.values())
    while pending and len(extracted) < len(code) + MAX_SUPPORT_FILES:
        file = pending.pop()
        wanted = {i.name for t in file.templates for i in t.interpolations if i.name is not None}
        for imported in file.imports:
            if imported.local not in wanted:
                continue
            target = _import_target(root, file, imported.module)
            if target is None or target in extracted:
                continue
            path = root / target
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue  # the interpolation is then reported as not statically known
            extracted[target] = extract(target, text, functions=names, support=True)
            pending.append(extracted[target])
    return list(extracted.values())


def _import_target(root: Path, file: ExtractedFile, module: str) -> str | None:
    """The shown path of the file a relative import names, when it exists on disk under ``root``."""
    if not module.startswith("."):
        return None  # packages, path aliases and absolute Python imports resolve only among given files
    return resolve_module(file.path, module, _OnDisk(root), language=file.language)


class _OnDisk(Collection[str]):
    """Relative paths that exist as files under ``root`` (membership only)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and not path.startswith("../") and (self.root / path).is_file()

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


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
