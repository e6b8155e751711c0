"""Generated code type-checks with the real tools: mypy --strict (Python) and tsc --strict (TypeScript),
for every saved demo operation under every authentication kind, and for realistic operations on GitHub's
real schema and Shopify's Storefront schema (fragments, unions, interfaces, enums, input objects, custom
scalars, @include)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.adapters.operations import load_operation_files
from monitor.adapters.schema_sources import load_schema_text
from monitor.codegen import Language, generate_client, target_endpoint
from monitor.settings.models import TargetConfig
from tests import realschemas
from tests.codegen.conftest import (
    demo_operations,
    demo_schema,
    github_operations,
    github_schema,
    mypy_strict,
    tsc_strict,
)

SHOPIFY = "shopify-storefront-2026.4"
OPERATIONS = Path(__file__).parent / "operations"
AUTH = {
    "none": {"kind": "none"},
    "bearer": {"kind": "bearer", "token": "unused"},
    "github": {"kind": "github", "token": "unused"},
    "api_key_exchange": {"kind": "api_key_exchange", "key_id": "unused", "key_secret": "unused"},
    "oidc_file": {"kind": "oidc", "token_file": "/var/run/secrets/token"},
    "oidc_exchange": {
        "kind": "oidc",
        "token": "unused",
        "exchange_mutation": "mutation Login($token: String!) { oidcLogin(token: $token) { jwt validUntil } }",
        "token_path": "oidcLogin.jwt",
        "expires_path": "oidcLogin.validUntil",
    },
    "command": {"kind": "command", "command": "spacectl profile export-token"},
}


def _write(directory: Path, language: Language) -> list[Path]:
    paths = []
    for name, auth in AUTH.items():
        target = TargetConfig.model_validate(
            {
                "name": f"demo-{name}",
                "url": "https://demo.example/graphql",
                "auth": auth,
                "headers": {"X-Api-Key": "unused", "User-Agent": "gqlmon-test"},
            }
        )
        client = generate_client(demo_schema(), demo_operations(), language, endpoint=target_endpoint(target))
        paths.append(directory / client.filename)
        paths[-1].write_text(client.code, encoding="utf-8")
    github = generate_client(github_schema(), github_operations(), language, module_name="github_client")
    shopify = generate_client(
        load_schema_text(realschemas.raw(SHOPIFY).decode(), source=SHOPIFY).schema,
        load_operation_files([OPERATIONS / "shopify.graphql"]),
        language,
        module_name="shopify_client",
    )
    # Operations named like the runtime's own functions, constants and imports must not redeclare them.
    clashing = tuple(
        f"query {name} {{ stacks {{ id }} }}"
        for name in ("Headers", "Env", "Describe", "Result", "Exchange", "Time", "Json", "Os")
    )
    (directory / "clashing.graphql").write_text("\n".join(clashing), encoding="utf-8")
    names = generate_client(
        demo_schema(),
        load_operation_files([directory / "clashing.graphql"]),
        language,
        module_name="clashing_client",
    )
    for client in (github, shopify, names):
        paths.append(directory / client.filename)
        paths[-1].write_text(client.code, encoding="utf-8")
    return paths


@pytest.mark.parametrize("language", ["python", "typescript"])
def test_generated_clients_type_check_strictly(tmp_path: Path, language: Language) -> None:
    paths = _write(tmp_path, language)
    assert len({p.name for p in paths}) == len(AUTH) + 3
    done = mypy_strict(*paths) if language == "python" else tsc_strict(*paths)
    assert done.returncode == 0, done.stdout + done.stderr
    if language == "python":
        assert f"no issues found in {len(paths)} source files" in done.stdout
