"""graphql-config files: which file is read, projects, and one-line errors for what cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.adapters.graphqlconfig import find_config, load_project
from monitor.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".graphqlrc", "schema: schema.graphql\ndocuments: 'src/**/*.ts'\n"),
        (".graphqlrc", '{"schema": "schema.graphql", "documents": "src/**/*.ts"}'),
        (".graphqlrc.yaml", "schema: schema.graphql\ndocuments: ['src/**/*.ts']\n"),
        (".graphqlrc.json", '{"schema": ["schema.graphql"], "documents": ["src/**/*.ts"]}'),
        (".graphqlrc.toml", 'schema = "schema.graphql"\ndocuments = "src/**/*.ts"\n'),
        ("graphql.config.yml", "schema: schema.graphql\ndocuments: src/**/*.ts\n"),
        ("graphql.config.json", '{"schema": "schema.graphql", "documents": "src/**/*.ts"}'),
        (
            "package.json",
            '{"name": "app", "graphql": {"schema": "schema.graphql", "documents": "src/**/*.ts"}}',
        ),
    ],
)
def test_every_readable_kind(tmp_path: Path, name: str, text: str) -> None:
    path = write(tmp_path / name, text)

    assert find_config(tmp_path) == path
    project = load_project(path)
    assert (project.name, project.schema, project.documents, project.root) == (
        "default",
        ("schema.graphql",),
        ("src/**/*.ts",),
        tmp_path,
    )


def test_lookup_order_and_package_json_without_graphql(tmp_path: Path) -> None:
    write(tmp_path / "package.json", '{"name": "app"}')
    assert find_config(tmp_path) is None
    write(tmp_path / "graphql.config.json", '{"schema": "a.graphql"}')
    write(tmp_path / ".graphqlrc.yml", "schema: b.graphql\n")
    assert find_config(tmp_path) == tmp_path / ".graphqlrc.yml"


def test_a_config_written_in_code_is_named_not_run(tmp_path: Path) -> None:
    write(tmp_path / "graphql.config.ts", "export default { schema: 'x' }")
    with pytest.raises(
        ConfigError, match=r"graphql.config.ts: a graphql-config written in code cannot be read"
    ):
        find_config(tmp_path)


def test_projects(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".graphqlrc.yml",
        "schema: https://api.example.com/graphql\n"
        "documents: src/**/*.graphql\n"
        "projects:\n"
        "  admin:\n"
        "    schema:\n"
        "      - https://admin.example.com/graphql:\n"
        "          headers: {Authorization: 'Bearer ${TOKEN}'}\n"
        "    documents: [admin/**/*.tsx, admin/**/*.ts]\n"
        "    exclude: admin/**/*.test.ts\n",
    )
    default, admin = load_project(path), load_project(path, "admin")

    assert (default.name, default.schema, default.documents) == (
        "default",
        ("https://api.example.com/graphql",),
        ("src/**/*.graphql",),
    )
    assert (admin.schema, admin.documents, admin.exclude) == (
        ("https://admin.example.com/graphql",),
        ("admin/**/*.tsx", "admin/**/*.ts"),
        ("admin/**/*.test.ts",),
    )
    with pytest.raises(ConfigError, match=r"no project 'web' \(projects: admin, default\)"):
        load_project(path, "web")


def test_the_only_named_project_is_the_default(tmp_path: Path) -> None:
    path = write(tmp_path / ".graphqlrc.json", '{"projects": {"app": {"schema": "s.graphql"}}}')
    assert load_project(path).name == "app"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (".graphqlrc.yml", "schema: [a\n", r"\.graphqlrc\.yml: not valid YAML: "),
        (".graphqlrc.json", "{", r"\.graphqlrc\.json: not valid JSON: line 1"),
        (".graphqlrc.yml", "- a\n", r"expected a mapping at the top level"),
        (".graphqlrc.yml", "extensions: {}\n", r"no 'schema', 'documents' or 'projects'"),
        (".graphqlrc.yml", "schema: 3\n", r"'schema' must be a string or a list of strings"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_project(path)
    assert "\n" not in str(caught.value)
