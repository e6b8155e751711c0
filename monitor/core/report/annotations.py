"""GitHub Actions workflow commands for ``gqlmon validate``: one ``::error file=…,line=…::`` per error.

GitHub turns each line into an annotation on the pull request's diff, at the file and line of the
operation in the user's code. Values are escaped as the runner expects (``%``, CR and LF in messages;
also ``:`` and ``,`` in properties), so a message can never inject a second command.
"""

from __future__ import annotations

from monitor.core.contracts import ContractsResult, Status


def github_annotations(result: ContractsResult) -> list[str]:
    """Errors for broken operations (one per validation error) and problems; warnings for deprecated
    usage."""
    lines: list[str] = []
    for op in result.operations:
        if op.status is Status.BROKEN:
            for error in op.errors or ():
                lines.append(
                    _command(
                        "error",
                        error.file or op.file,
                        error.line or op.line,
                        error.column,
                        f"GraphQL operation {op.name} is broken",
                        error.message,
                    )
                )
        for dep in op.deprecations:
            reason = " ".join(dep.reason.split())
            lines.append(
                _command(
                    "warning",
                    dep.file or op.file,
                    dep.line or op.line,
                    None,
                    f"GraphQL operation {op.name} uses a deprecated element",
                    f"{dep.coordinate} is deprecated: {reason}",
                )
            )
    for problem in result.problems:
        lines.append(
            _command(
                "error", problem.file, problem.line, problem.column, "GraphQL contracts", problem.message
            )
        )
    return lines


def _command(level: str, file: str, line: int | None, column: int | None, title: str, message: str) -> str:
    props = [f"file={_property(file)}"]
    if line is not None:
        props.append(f"line={line}")
        if column is not None:
            props.append(f"col={column}")
    props.append(f"title={_property(title)}")
    return f"::{level} {','.join(props)}::{_data(' '.join(message.split()))}"


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")
