"""The schema a graphql-config project names: one file, several SDL files (globs), or a URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.adapters.schema_sources import load_project_schema
from monitor.errors import ConfigError, SchemaError

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_several_sdl_files_are_one_schema(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "query.graphql").write_text("type Query { user: User }\n")
    (tmp_path / "schema" / "user.graphql").write_text("type User { login: String! }\n")

    loaded = await load_project_schema(("schema/*.graphql",), root=tmp_path, label="x")

    assert {n for n in loaded.schema.type_map if not n.startswith("__")} == {
        "Query",
        "User",
        "String",
        "Boolean",
    }
    assert loaded.label == f"{tmp_path / 'schema' / 'query.graphql'}, {tmp_path / 'schema' / 'user.graphql'}"


async def test_one_introspection_file(tmp_path: Path) -> None:
    from tests import realschemas

    realschemas.write("github-14.0.0", tmp_path)
    loaded = await load_project_schema(("github-14.0.0.json",), root=tmp_path, label="x")

    assert "Issue" in loaded.schema.type_map


@pytest.mark.parametrize(
    ("schema", "error", "message"),
    [
        ((), ConfigError, r"^\.graphqlrc\.yml \(web\): the project names no schema \(give --schema\)$"),
        (("missing/*.graphql",), SchemaError, r"schema 'missing/\*\.graphql' matches no file under "),
        (
            ("a.graphql", "https://api.example.com/graphql"),
            ConfigError,
            r"a schema URL cannot be combined with files \(https://api\.example\.com/graphql\)$",
        ),
    ],
)
async def test_what_cannot_be_a_schema(
    tmp_path: Path, schema: tuple[str, ...], error: type[Exception], message: str
) -> None:
    (tmp_path / "a.graphql").write_text("type Query { a: Int }\n")
    with pytest.raises(error, match=message):
        await load_project_schema(schema, root=tmp_path, label=".graphqlrc.yml (web)")
