"""The ``gqlmon`` command line. Each command parses its flags and calls one function; no logic lives here.

Exit codes: 0 ok; 1 changes at or above ``--fail-on`` (or invalid operations for ``validate``, ``codegen``);
2 bad usage, configuration or input (one line on stderr says what and what to do); 3 a target could not
be checked; 130 interrupted.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from monitor import __version__
from monitor.errors import ConfigError, MonitorError
from monitor.support.redact import redact

if TYPE_CHECKING:
    from monitor.adapters.graphqlconfig import GraphQLProject
    from monitor.settings.models import Settings

T = TypeVar("T")

app = typer.Typer(
    name="gqlmon",
    help="GraphQL contract-testing and schema-drift monitor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    text = "text"
    json = "json"


class FailOn(StrEnum):
    breaking = "breaking"
    dangerous = "dangerous"
    never = "never"


ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="monitor.toml to read (default: $MONITOR_CONFIG or ./monitor.toml)."),
]


class _State:
    config: Path | None = None
    settings: Settings | None = None


_state = _State()


def _settings(config: Path | None = None, *, required: bool = False) -> Settings:
    from monitor.settings.loading import config_path_from, load_settings
    from monitor.settings.models import no_config_found

    path = config or _state.config
    if required and config_path_from(path) is None:
        raise ConfigError(no_config_found())
    if _state.settings is None or config is not None:
        _state.settings = load_settings(path)
    return _state.settings


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"gqlmon: error: {redact(message)}", err=True)
    raise typer.Exit(code)


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    import anyio

    return anyio.run(factory)


def _configure_logging(verbose: int) -> None:
    """Warnings and up (``-v`` info, ``-vv`` debug), one line per event: text on a terminal, JSON
    elsewhere (containers, CI, log shippers), secrets masked (:mod:`monitor.support.logs`)."""
    from monitor.support.logs import configure_logging

    configure_logging(max(logging.WARNING - 10 * verbose, logging.DEBUG))


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"gqlmon {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    config: ConfigOpt = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv: debug).")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    _state.config = config
    _state.settings = None
    _configure_logging(verbose)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the example configuration.")] = Path(
        "monitor.toml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example monitor.toml."""
    from monitor.settings.example import EXAMPLE_CONFIG

    if path.exists() and not force:
        _fail(f"{path} already exists (use --force to overwrite)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")
    typer.echo(f"wrote {path}: edit its [[targets]], then run `gqlmon check`")


@app.command()
def introspect(
    source: Annotated[str, typer.Argument(help="TARGET, URL, TARGET@latest or a schema file.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this .json or .graphql file instead of stdout."),
    ] = None,
    sdl: Annotated[bool, typer.Option("--sdl", help="Print SDL instead of introspection JSON.")] = False,
) -> None:
    """Introspect an API (or read a snapshot) and write its schema as JSON or SDL."""
    from monitor.adapters.schema_sources import load_schema
    from monitor.core.schema import canonical_sdl

    settings = _settings()
    loaded = _run(lambda: load_schema(source, settings))
    as_sdl = sdl or (
        output is not None and output.suffix.lower() in {".graphql", ".graphqls", ".gql", ".sdl"}
    )
    text = canonical_sdl(loaded.schema) if as_sdl else json.dumps({"data": loaded.introspection}, indent=2)
    if output is None:
        typer.echo(text)
        return
    _write_atomic(output, text + "\n")
    variant = f", query {loaded.query_variant}" if loaded.query_variant else ""
    typer.echo(f"wrote {output} ({len(loaded.schema.type_map)} types{variant})", err=True)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Old schema: SDL/JSON file, URL, TARGET or TARGET@snapshot.")],
    new: Annotated[str, typer.Argument(help="New schema, same forms.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a change this bad is found.")
    ] = FailOn.breaking,
    ignore_descriptions: Annotated[bool, typer.Option("--ignore-descriptions")] = False,
) -> None:
    """Compare two schemas: every change with its criticality, path and reason."""
    from monitor.adapters.schema_sources import needs_settings
    from monitor.cli.diff import diff_sources, render_diff_text
    from monitor.core.schema import gc_paused

    # two files or URLs need no configuration: a CI job's `gqlmon diff a.json b.json` does not parse it
    settings = _settings_optional() if needs_settings(old) or needs_settings(new) else None
    # The cyclic collector would only rescan the millions of objects of two parsed schemas, again and
    # again (a third of the run); reference counting frees what the diff drops.
    with gc_paused():
        changes = _run(lambda: diff_sources(old, new, settings, ignore_descriptions=ignore_descriptions))
    from monitor.core.changes import Criticality, sort_changes, summarize

    if fmt is Format.json:
        payload = {"changes": [c.to_dict() for c in sort_changes(changes)], "summary": summarize(changes)}
        typer.echo(json.dumps(payload, indent=2))
    else:
        typer.echo(render_diff_text(changes))
    if fail_on is not FailOn.never and any(
        c.criticality.at_least(Criticality(fail_on.value)) for c in changes
    ):
        raise typer.Exit(1)


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


@app.command()
def validate(
    target: Annotated[
        str | None, typer.Argument(help="Target whose saved operations and schema to use.")
    ] = None,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Operation files: .graphql, manifests, source code (.ts .tsx .js .jsx .vue .svelte .py), "
            "directories or quoted globs (default: the target's contracts, or graphql-config's documents)."
        ),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option("--schema", "-s", help="FILE, URL or TARGET@snapshot (default: TARGET@latest)."),
    ] = None,
    fmt: Annotated[ValidateFormat, typer.Option("--format", "-f")] = ValidateFormat.text,
    max_depth: Annotated[int | None, typer.Option("--max-depth")] = None,
    max_aliases: Annotated[int | None, typer.Option("--max-aliases")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens")] = None,
    max_directives: Annotated[int | None, typer.Option("--max-directives")] = None,
    fail_on_deprecated: Annotated[bool, typer.Option("--fail-on-deprecated")] = False,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Glob of files to leave out (repeatable).")
    ] = None,
    function: Annotated[
        list[str] | None,
        typer.Option(
            "--function",
            help="Call holding GraphQL in source code, e.g. gql or .graphql (repeatable; "
            "default: gql, graphql, .graphql).",
        ),
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="graphql-config project (default: the default one).")
    ] = None,
    graphql_config: Annotated[
        Path | None,
        typer.Option("--graphql-config", help="graphql-config file (default: found in the working dir)."),
    ] = None,
    annotations: Annotated[
        bool | None,
        typer.Option(
            "--annotations/--no-annotations",
            help="Print GitHub Actions ::error lines (default: on when GITHUB_ACTIONS=true).",
        ),
    ] = None,
    sarif: Annotated[Path | None, typer.Option("--sarif", help="Also write SARIF to this file.")] = None,
) -> None:
    """Validate saved operations against a schema (exit 1 when one is invalid)."""
    from monitor.adapters.schema_sources import load_project_schema, load_schema
    from monitor.cli.validate import is_pattern, run_validate
    from monitor.core.contracts.limits import Limits
    from monitor.settings.loading import running_in_github_actions

    settings = _settings_optional()
    paths = list(files or [])
    if target is not None and (Path(target).exists() or is_pattern(target)) and schema is not None:
        paths.insert(0, Path(target))  # `gqlmon validate --schema s.graphql ops.graphql`
        target = None
    globs: list[str] = []
    root: Path | None = None
    excludes = list(exclude or [])
    functions = list(function or []) or None
    graphql_project = None
    if target is None and (schema is None or not paths or graphql_config or project):
        graphql_project = _graphql_project(graphql_config, project)
    if schema is None and graphql_project is None:
        if target is None:
            _fail("give a TARGET or --schema FILE|URL|TARGET@snapshot")
        schema = f"{target}@latest"
    if not paths:
        if target is not None and settings is not None:
            from monitor.adapters.operations import locate_contracts

            configured = settings.target(target)
            contracts = locate_contracts(
                configured.contracts_dir,
                globs=configured.contracts_globs,
                exclude=configured.contracts_exclude,
                project=configured.contracts_project,
            )
            root = contracts.root
            if contracts.globs is None:
                paths = [root]
            else:
                globs = list(contracts.globs)
            excludes += contracts.exclude
            functions = functions or configured.graphql_functions
        elif graphql_project is not None and graphql_project.documents:
            globs, root = list(graphql_project.documents), graphql_project.root
            excludes += graphql_project.exclude
        elif target is not None and settings is None:
            from monitor.settings.models import no_config_found

            _fail(f"unknown target {target!r}: {no_config_found()}; or give operation FILES and --schema")
        else:
            _fail("give operation FILES, or a configured TARGET whose contracts to validate")
    if schema is not None:
        ref = schema
        loaded = _run(lambda: load_schema(ref, settings))
    else:
        assert graphql_project is not None
        found = graphql_project
        label = f"{found.config} ({found.name})"
        loaded = _run(lambda: load_project_schema(found.schema, root=found.root, label=label))
    code = run_validate(
        schema=loaded.schema,
        files=paths,
        fmt=fmt.value,
        limits=Limits(max_depth, max_aliases, max_tokens, max_directives),
        fail_on_deprecated=fail_on_deprecated,
        globs=globs,
        root=root,
        exclude=excludes,
        functions=functions,
        annotations=running_in_github_actions() if annotations is None else annotations,
        sarif_path=sarif,
    )
    raise typer.Exit(code)


def _operations_and_schema(
    target: str | None, files: list[Path] | None, schema: str | None, settings: Settings | None, verb: str
) -> tuple[str, list[Path], str | None]:
    """The schema reference, the operation files and the target of ``validate``/``codegen``'s
    ``[TARGET] [FILES...] [--schema REF]``."""
    paths = list(files or [])
    if target is not None and Path(target).exists() and schema is not None:
        paths.insert(0, Path(target))  # `gqlmon validate --schema s.graphql ops.graphql`
        target = None
    if schema is None:
        if target is None:
            _fail("give a TARGET or --schema FILE|URL|TARGET@snapshot")
        schema = f"{target}@latest"
    if not paths:
        if target is not None and settings is None:
            from monitor.settings.models import no_config_found

            _fail(f"unknown target {target!r}: {no_config_found()}; or give operation FILES and --schema")
        if target is None or settings is None:
            _fail(f"give operation FILES, or a configured TARGET whose contracts to {verb}")
        paths = [settings.target(target).contracts_dir]
    return schema, paths, target


@app.command()
def codegen(
    target: Annotated[
        str | None, typer.Argument(help="Target whose saved operations, schema and authentication to use.")
    ] = None,
    files: Annotated[
        list[Path] | None, typer.Argument(help="Operation files (default: the target's contracts).")
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option("--schema", "-s", help="FILE, URL or TARGET@snapshot (default: TARGET@latest)."),
    ] = None,
    language: Annotated[
        str, typer.Option("--language", "-l", help="python (httpx + pydantic) or typescript (fetch).")
    ] = "python",
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the module into.")] = Path("."),
    operation: Annotated[
        list[str] | None, typer.Option("--operation", help="Only this operation (repeatable; default: all).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Module name (default: <target>_client).")
    ] = None,
) -> None:
    """Write a typed client (one function per operation) for valid operations; refuses invalid ones."""
    from monitor.adapters.schema_sources import load_schema
    from monitor.cli.codegen import codegen_command

    settings = _settings_optional()
    ref, paths, target = _operations_and_schema(target, files, schema, settings, "generate")
    loaded = _run(lambda: load_schema(ref, settings))
    from monitor.codegen import InvalidOperationsError

    try:
        written = codegen_command(
            loaded,
            paths,
            language,
            out,
            settings=settings,
            target=target,
            schema_ref=ref,
            operations=operation,
            name=name,
        )
    except InvalidOperationsError as exc:
        for line in exc.errors:
            typer.echo(f"✗ {redact(line)}", err=True)
        _fail(f"no client generated: {len(exc.errors)} problem(s) with the operations", 1)
    typer.echo(f"wrote {written}")


def _graphql_project(config: Path | None, project: str | None) -> GraphQLProject | None:
    """The graphql-config project to use (None when there is no config file and none was asked for)."""
    from monitor.adapters.graphqlconfig import find_config, load_project

    path = config if config is not None else find_config(Path())
    if path is None:
        if project is not None:
            _fail("--project: no graphql-config file (.graphqlrc.yml, graphql.config.json, ...) here")
        return None
    if not path.is_file():
        _fail(f"--graphql-config: {path}: no such file")
    return load_project(path, project)


@app.command()
def check(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Targets or URLs (default: every target).")
    ] = None,
    all_targets: Annotated[bool, typer.Option("--all", help="Check every configured target.")] = False,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="Default: fail_on in monitor.toml.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
    no_lease: Annotated[
        bool,
        typer.Option("--no-lease", help="Check even a target another gqlmon is checking right now."),
    ] = False,
) -> None:
    """One-shot check: introspect, snapshot, diff, validate contracts, report, alert. CI-friendly exit code."""
    from monitor.cli.check import check_command

    settings = _settings()
    code = _run(
        lambda: check_command(
            settings, targets or [], all_targets=all_targets, fail_on=fail_on, fmt=fmt, lease=not no_lease
        )
    )
    raise typer.Exit(code)


@app.command()
def history(
    target: Annotated[str, typer.Argument(help="Target name.")],
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 30,
) -> None:
    """List a target's runs and snapshots."""
    from monitor.cli.history import history_command

    history_command(_settings(), target, fmt=fmt.value, limit=limit)


@app.command()
def report(
    target: Annotated[str, typer.Argument(help="Target name.")],
    run: Annotated[
        str, typer.Option("--run", help="Run id (or a unique prefix); default latest.")
    ] = "latest",
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="markdown, json, html, junit, sarif or text.")
    ] = "markdown",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Re-render a stored run's report."""
    from monitor.cli.history import report_command

    text = report_command(_settings(), target, run, fmt)
    if output is None:
        typer.echo(text)
    else:
        _write_atomic(output, text)
        typer.echo(f"wrote {output}", err=True)


@app.command()
def ack(
    target: Annotated[str, typer.Argument(help="Target name.")],
    change_id: Annotated[
        str | None, typer.Argument(help="The change id from a report, or a unique prefix (4+ digits).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD: acknowledged until then.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why it is fine.")] = "acknowledged",
    list_: Annotated[bool, typer.Option("--list", help="List the target's acknowledgements.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Accept a full id no check has recorded yet (from `gqlmon diff`).")
    ] = False,
) -> None:
    """Acknowledge a change: shown as such in reports, never alerted (`--list` shows them, `unack` undoes)."""
    from monitor.cli.ack import ack_command, list_acks_command

    if list_:
        if change_id is not None:
            _fail("ack --list takes no change id")
        typer.echo(list_acks_command(_settings(), target))
        return
    if change_id is None:
        _fail("ack: give a CHANGE_ID (or --list)")
    until_at = None
    if until:
        try:
            until_at = datetime.fromisoformat(until).replace(tzinfo=UTC)
        except ValueError:
            _fail(f"--until: expected a date such as 2026-12-31, got {until!r}")
    line = ack_command(_settings(), target, change_id, reason=reason, until=until_at, force=force)
    typer.echo(line)


@app.command()
def unack(
    target: Annotated[str, typer.Argument(help="Target name.")],
    change_id: Annotated[str, typer.Argument(help="An acknowledged change id, or a unique prefix.")],
) -> None:
    """Withdraw an acknowledgement: the change alerts and fails checks again."""
    from monitor.cli.ack import unack_command

    typer.echo(unack_command(_settings(), target, change_id))


@app.command()
def mcp(
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio.")] = False,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8765,
) -> None:
    """Serve schemas, history and drift reports as MCP tools (stdio by default)."""
    from monitor.mcp import serve

    serve(_settings(), http=http, host=host, port=port)


@app.command()
def run(
    once: Annotated[
        bool, typer.Option("--once", help="Run every target once through the scheduler, then exit.")
    ] = False,
) -> None:
    """Run the long-lived scheduler: every target on its schedule, config reload on SIGHUP."""
    from monitor.runtime.scheduler import run_scheduler

    raise typer.Exit(run_scheduler(_settings(required=True), config_path=_state.config, once=once))


@app.command()
def healthcheck(
    max_age: Annotated[
        float, typer.Option("--max-age", help="Seconds since the scheduler's last loop.")
    ] = 120.0,
) -> None:
    """Exit 0 when the scheduler is alive and its last loop is recent, 1 otherwise (container probes)."""
    from monitor.runtime.scheduler import healthcheck as probe

    raise typer.Exit(probe(_settings(), max_age=max_age))


@app.command()
def live(
    target: Annotated[str, typer.Argument(help="Target name.")],
    max_examples: Annotated[int | None, typer.Option("--max-examples")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """Run live contract tests (Schemathesis) against a target now."""
    from monitor.cli.live import live_command

    settings = _settings()
    raise typer.Exit(_run(lambda: live_command(settings, target, max_examples=max_examples, fmt=fmt.value)))


def _write_atomic(path: Path, text: str) -> None:
    from monitor.support.atomic import write_atomic

    write_atomic(path, text)


def _settings_optional() -> Settings | None:
    from monitor.settings.loading import config_path_from

    if config_path_from(_state.config) is None:
        return None
    return _settings()


def main() -> None:
    """Console entry point: MonitorErrors become one line and exit code 2."""
    try:
        app()
    except MonitorError as exc:
        typer.echo(f"gqlmon: error: {redact(str(exc))}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("gqlmon: interrupted", err=True)
        sys.exit(130)
