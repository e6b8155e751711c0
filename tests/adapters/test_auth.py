"""The auth adapter against a real local server: static tokens, API key exchange, OIDC and commands."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from monitor.adapters.auth import auth_for, build_auth
from monitor.adapters.introspection import introspect
from monitor.errors import AuthError
from monitor.settings.models import TargetConfig
from monitor.support.redact import register_secret
from tests.servers.faulty import KEY_ID, KEY_SECRET, FaultyApp, make_jwt

pytestmark = pytest.mark.anyio

URL = Callable[[str], str]
PY = sys.executable
OIDC_LOGIN = "mutation($token: String!) { oidcLogin(token: $token) { accessToken expiresAt } }"


class FakeClock:
    """Wall-clock seconds that a test moves forward."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def target(url: str, auth: dict[str, Any], **extra: Any) -> TargetConfig:
    return TargetConfig.model_validate(
        {"name": "api", "url": url, "timeout": 2, "retries": 0, "auth": auth, **extra}
    )


def api_key(**extra: Any) -> dict[str, Any]:
    return {"kind": "api_key_exchange", "key_id": KEY_ID, "key_secret": KEY_SECRET, **extra}


def authorizations(faulty: FaultyApp, path: str = "/secure") -> list[str]:
    """The Authorization header of every non-exchange request to ``path``."""
    return [
        r.headers.get("authorization", "")
        for r in faulty.requests_to(path)
        if "apiKeyUser" not in str(r.body) and "oidcLogin" not in str(r.body)
    ]


async def check(config: TargetConfig, auth: httpx.Auth, times: int = 1) -> None:
    for _ in range(times):
        result = await introspect(config, auth=auth)
        assert result.query_variant == "full"


# --------------------------------------------------------------------------------------------- static


async def test_no_auth_sends_no_credentials(faulty: FaultyApp, url: URL) -> None:
    config = target(url("/graphql"), {"kind": "none"})
    await check(config, build_auth(config))
    assert "authorization" not in faulty.requests_to("/graphql")[0].headers


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        ({"kind": "bearer", "token": "static-tok-1"}, "authorization", "Bearer static-tok-1"),
        (
            {"kind": "bearer", "token": "static-tok-1", "header": "X-Token", "scheme": ""},
            "x-token",
            "static-tok-1",
        ),
        ({"kind": "github", "token": "ghp-tok-1"}, "authorization", "bearer ghp-tok-1"),
    ],
)
async def test_static_tokens(
    faulty: FaultyApp, url: URL, auth: dict[str, Any], header: str, value: str
) -> None:
    config = target(url("/graphql"), auth)
    await check(config, build_auth(config))
    assert faulty.requests_to("/graphql")[0].headers[header] == value


def test_auth_is_async_only(url: URL) -> None:
    config = target(url("/graphql"), {"kind": "bearer", "token": "static-tok-1"})
    with httpx.Client(auth=build_auth(config)) as client, pytest.raises(RuntimeError, match="async-only"):
        client.get(url("/graphql"))


# ------------------------------------------------------------------------------------------ API key exchange


async def test_api_key_exchange_caches_the_jwt(faulty: FaultyApp, url: URL) -> None:
    config = target(url("/secure"), api_key())
    await check(config, build_auth(config), times=3)

    assert faulty.exchanges == 1
    [exchange] = [r for r in faulty.requests_to("/secure") if "apiKeyUser" in str(r.body)]
    assert exchange.body["variables"] == {"id": KEY_ID, "secret": KEY_SECRET}
    [jwt] = faulty.issued
    assert authorizations(faulty) == [f"Bearer {jwt}"] * 3


async def test_auth_for_reuses_the_exchanged_token_until_the_configuration_changes(
    faulty: FaultyApp, url: URL
) -> None:
    """One auth per target for the whole process (checks and MCP ``execute_query`` alike): three checks
    exchange once; a reloaded configuration with a rotated key builds a new auth, which exchanges again."""
    config = target(url("/secure"), api_key())
    for _ in range(3):
        await check(config, auth_for(config))
    assert faulty.exchanges == 1
    assert auth_for(target(url("/secure"), api_key())) is auth_for(config)  # equal configuration: same auth

    rotated = target(url("/secure"), api_key(key_id="rotated-key-id"))
    assert auth_for(rotated) is not auth_for(config)
    with pytest.raises(AuthError):  # the server does not know the rotated key: it really was used
        await check(rotated, auth_for(rotated))


async def test_concurrent_requests_share_one_exchange(faulty: FaultyApp, url: URL) -> None:
    config = target(url("/secure"), api_key())
    auth = build_auth(config)
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(check, config, auth)
    assert faulty.exchanges == 1
    assert len(authorizations(faulty)) == 5


@pytest.mark.parametrize(
    "style", ["unix", "iso", "none"]
)  # validUntil as seconds / ISO date / absent (JWT exp)
async def test_the_jwt_is_refreshed_before_it_expires(faulty: FaultyApp, url: URL, style: str) -> None:
    faulty.expiry_style, faulty.token_ttl = style, 600
    clock = FakeClock()
    config = target(url("/secure"), api_key())
    auth = build_auth(config, clock=clock)
    await check(config, auth)
    clock.now += 400  # well inside the token's life
    await check(config, auth)
    assert faulty.exchanges == 1
    clock.now += 150  # within the refresh margin before expiry
    await check(config, auth)
    assert faulty.exchanges == 2


async def test_a_short_lived_jwt_is_refreshed_after_expiry(faulty: FaultyApp, url: URL) -> None:
    faulty.token_ttl = 0.3
    config = target(url("/secure"), api_key())
    auth = build_auth(config)
    await check(config, auth, times=2)
    assert faulty.exchanges == 1
    await anyio.sleep(0.35)
    await check(config, auth)
    assert faulty.exchanges == 2


async def test_default_ttl_when_nothing_says_when_the_token_expires(faulty: FaultyApp, url: URL) -> None:
    faulty.valid_tokens = {"opaque-token-1"}
    clock = FakeClock()

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"login": {"token": "opaque-token-1"}}})

    config = target(url("/secure"), api_key(token_path="login.token", expires_path=None, default_ttl="100s"))
    calls: list[int] = []

    def factory() -> httpx.AsyncClient:
        calls.append(1)
        return httpx.AsyncClient(transport=httpx.MockTransport(reply))

    auth = build_auth(config, client_factory=factory, clock=clock)
    await check(config, auth, times=2)
    clock.now += 70  # refreshed at 80 % of its 100 s life
    await check(config, auth)
    assert len(calls) == 1
    clock.now += 15
    await check(config, auth)
    assert len(calls) == 2


async def test_a_401_re_exchanges_once_and_retries(faulty: FaultyApp, url: URL) -> None:
    config = target(url("/secure"), api_key())
    auth = build_auth(config)
    await check(config, auth)
    faulty.revoke()  # the API forgets the JWT before it expires
    await check(config, auth)

    assert faulty.exchanges == 2
    assert len(authorizations(faulty)) == 3  # ok, 401, retried ok


async def test_still_401_after_a_fresh_jwt_fails_clearly(faulty: FaultyApp, url: URL) -> None:
    faulty.reject_all_tokens = True
    config = target(url("/secure"), api_key())
    with pytest.raises(AuthError) as info:
        await introspect(config)

    assert faulty.exchanges == 2  # the first JWT and exactly one re-exchange
    assert len(authorizations(faulty)) == 2
    message = str(info.value)
    assert "HTTP 401 even to a fresh token from the API key exchange" in message
    assert "check key_id and key_secret" in message
    assert KEY_SECRET not in message and not any(jwt in message for jwt in faulty.issued)


async def test_a_refused_api_key_is_an_auth_error_without_the_secret(faulty: FaultyApp, url: URL) -> None:
    config = target(url("/secure"), api_key(key_secret="wrong-secret-77"))
    with pytest.raises(AuthError) as info:
        await introspect(config)

    assert "API key exchange at" in str(info.value) and "invalid API key" in str(info.value)
    assert "wrong-secret-77" not in str(info.value)
    assert faulty.exchanges == 0


async def test_an_unreachable_exchange_endpoint_is_an_auth_error(url: URL) -> None:
    config = target(url("/secure"), api_key(exchange_url="http://127.0.0.1:9/graphql"))
    with pytest.raises(
        AuthError, match=re.escape("API key exchange at http://127.0.0.1:9/graphql failed: ConnectError")
    ):
        await introspect(config)


# --------------------------------------------------------------------------------------------- OIDC


async def test_oidc_token_file_is_re_read_when_it_changes(
    faulty: FaultyApp, url: URL, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("identity-one-111\n")
    faulty.valid_tokens = {"identity-one-111"}
    config = target(url("/secure"), {"kind": "oidc", "token_file": str(token_file)})
    auth = build_auth(config)
    await check(config, auth)

    token_file.write_text("identity-two-222\n")  # Kubernetes rotated the projected token
    faulty.valid_tokens = {"identity-two-222"}
    await check(config, auth)

    assert authorizations(faulty) == ["Bearer identity-one-111", "Bearer identity-two-222"]


async def test_oidc_token_from_the_environment(faulty: FaultyApp, url: URL) -> None:
    faulty.valid_tokens = {"identity-env-333"}
    config = target(url("/secure"), {"kind": "oidc", "token": "identity-env-333"})
    await check(config, build_auth(config))
    assert authorizations(faulty) == ["Bearer identity-env-333"]


async def test_oidc_identity_exchanged_for_an_api_token(faulty: FaultyApp, url: URL, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("identity-xch-444")
    faulty.identity_tokens = {"identity-xch-444"}
    auth_config = {
        "kind": "oidc",
        "token_file": str(token_file),
        "exchange_mutation": OIDC_LOGIN,
        "token_path": "oidcLogin.accessToken",
        "expires_path": "oidcLogin.expiresAt",
    }
    config = target(url("/secure"), auth_config)
    await check(config, build_auth(config), times=2)

    assert faulty.exchanges == 1
    [jwt] = faulty.issued
    assert authorizations(faulty) == [f"Bearer {jwt}"] * 2


async def test_a_refused_identity_token_is_an_auth_error(faulty: FaultyApp, url: URL) -> None:
    auth_config = {
        "kind": "oidc",
        "token": "identity-bad-555",
        "exchange_mutation": OIDC_LOGIN,
        "token_path": "oidcLogin.accessToken",
    }
    with pytest.raises(AuthError) as info:
        await introspect(target(url("/secure"), auth_config))
    assert "OIDC token exchange at" in str(info.value) and "refused the credentials (HTTP 401)" in str(
        info.value
    )
    assert "identity-bad-555" not in str(info.value)


async def test_a_missing_oidc_token_file_is_an_auth_error(url: URL, tmp_path: Path) -> None:
    config = target(url("/secure"), {"kind": "oidc", "token_file": str(tmp_path / "absent")})
    with pytest.raises(AuthError, match=r"cannot read the OIDC token file .*absent: No such file"):
        await introspect(config)


# --------------------------------------------------------------------------------------------- command


async def test_command_output_is_the_token_and_is_cached(faulty: FaultyApp, url: URL, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    script = (
        f"import pathlib; p = pathlib.Path({str(runs)!r}); p.open('a').write('x'); print('  cmd-tok-555  ')"
    )
    faulty.valid_tokens = {"cmd-tok-555"}
    clock = FakeClock()
    config = target(url("/secure"), {"kind": "command", "command": [PY, "-c", script], "ttl": "60s"})
    auth = build_auth(config, clock=clock)
    await check(config, auth, times=3)
    assert runs.read_text() == "x"
    clock.now += 61
    await check(config, auth)

    assert runs.read_text() == "xx"
    assert set(authorizations(faulty)) == {"Bearer cmd-tok-555"}


async def test_a_failing_command_reports_exit_code_and_redacted_stderr(url: URL) -> None:
    register_secret("canary-cmd-secret-66")
    script = "import sys; sys.stderr.write('denied for canary-cmd-secret-66\\nmore detail\\n'); sys.exit(3)"
    config = target(url("/secure"), {"kind": "command", "command": [PY, "-c", script]})
    with pytest.raises(AuthError) as info:
        await introspect(config)

    assert str(info.value).startswith(f"api: token command {Path(PY).name!r} failed with exit code 3: ")
    assert str(info.value).endswith(": denied for ***")
    assert "canary-cmd-secret-66" not in str(info.value) and "more detail" not in str(info.value)


async def test_a_hanging_command_times_out(url: URL) -> None:
    config = target(
        url("/secure"),
        {"kind": "command", "command": [PY, "-c", "import time; time.sleep(30)"], "timeout": 0.3},
    )
    started = time.monotonic()
    with pytest.raises(AuthError, match=r"did not finish within 0.3s"):
        await introspect(config)
    assert time.monotonic() - started < 2


async def test_a_missing_command_is_an_auth_error(url: URL) -> None:
    config = target(
        url("/secure"), {"kind": "command", "command": "/nonexistent/spacectl profile export-token"}
    )
    with pytest.raises(AuthError, match="cannot run token command 'spacectl'"):
        await introspect(config)


def test_a_jwt_in_the_server_fixture_is_decodable() -> None:
    from monitor.adapters.auth import _jwt_exp

    assert _jwt_exp(make_jwt({"exp": 1234567890})) == 1234567890.0
    assert _jwt_exp("not.a.jwt") is None
    assert _jwt_exp("opaque") is None
