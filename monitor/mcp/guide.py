"""get_authentication_guide: how a client authenticates to a target, from its configured auth kind.

The guide is built from the non-secret parts of the configuration only (header names, schemes, the
exchange mutation, token paths, lifetimes); every credential appears as an environment variable name or
a ``<placeholder>``. The Python (httpx) and TypeScript (fetch, Node 18+) examples are complete programs
that implement the same flow gqlmon uses: obtain the token, cache it, refresh it shortly before it
expires, and get a fresh one once when the API answers 401.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, SecretStr

from monitor.mcp.models import AuthGuide, Envelope, HeaderSpec, TokenExchange
from monitor.settings.envrefs import UnsetSecret, unset_secrets
from monitor.settings.models import (
    ApiKeyExchangeAuth,
    BearerAuth,
    CommandAuth,
    GitHubAuth,
    NoAuth,
    OidcAuth,
    TargetConfig,
)
from monitor.support.redact import is_sensitive_header, redact

Method = Literal["none", "bearer", "github", "api_key_exchange", "oidc", "command"]
REFRESH_MARGIN = 60.0


@dataclass
class _Flow:
    """The parts of one authentication flow both examples are rendered from."""

    kind: str  # none | static | exchange | file | command
    header: str = "Authorization"
    scheme: str = "Bearer"
    env: dict[str, str] = field(default_factory=dict)  # role -> environment variable
    exchange_url: str = ""
    document: str = ""
    variables: dict[str, str] = field(default_factory=dict)  # variable -> role
    token_path: list[str] = field(default_factory=list)
    expires_path: list[str] = field(default_factory=list)
    ttl: float = 3600.0
    token_file: str = ""
    command: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # credential header -> environment variable
    public: dict[str, str] = field(default_factory=dict)  # other configured header -> its value


def _placeholder(method: Method) -> BaseModel:
    """A configuration of ``method`` with its defaults, for a guide to a method the target does not use."""
    secret = SecretStr("")
    if method == "bearer":
        return BearerAuth.model_construct(kind="bearer", token=secret)
    if method == "github":
        return GitHubAuth.model_construct(kind="github", token=secret)
    if method == "api_key_exchange":
        return ApiKeyExchangeAuth.model_construct(kind="api_key_exchange", key_id=secret, key_secret=secret)
    if method == "oidc":
        return OidcAuth.model_construct(kind="oidc", token=secret)
    if method == "command":
        return CommandAuth.model_construct(kind="command", command=["<your-token-command>"])
    return NoAuth()


def is_secret_header(name: str) -> bool:
    """Whether a configured header carries a credential (its value is never shown)."""
    return is_sensitive_header(name)


def authentication_guide(target: TargetConfig, method: Method | None, envelope: Envelope) -> AuthGuide:
    """The guide for ``method`` (default: the target's configured kind)."""
    configured = target.auth.kind
    auth = target.auth if method in (None, configured) else _placeholder(method)
    kind = str(getattr(auth, "kind", "none"))
    prefix = re.sub(r"[^A-Za-z0-9]+", "_", target.name).strip("_").upper() or "API"
    url = redact(str(target.url))
    extra = {
        name: f"{prefix}_HEADER_{re.sub(r'[^A-Za-z0-9]+', '_', name).upper()}"
        for name in target.headers
        if is_secret_header(name)
    }
    public = {
        name: redact(value.get_secret_value())
        for name, value in target.headers.items()
        if not is_secret_header(name) and not isinstance(value, UnsetSecret)
    }
    flow, summary, steps, refresh, exchange = _describe(auth, prefix, url)
    flow.extra = extra
    flow.public = public
    headers = [HeaderSpec(name="Content-Type", value="application/json", secret=False)]
    if flow.kind != "none":
        value = f"{flow.scheme} <token>" if flow.scheme else "<token>"
        headers.append(HeaderSpec(name=flow.header, value=value, secret=True))
    headers.extend(HeaderSpec(name=n, value=f"<value of ${env}>", secret=True) for n, env in extra.items())
    headers.extend(HeaderSpec(name=n, value=value, secret=False) for n, value in public.items())
    if extra:
        steps.append(
            "Also send the headers " + ", ".join(extra) + " with every request (values are secrets)."
        )
    if public:
        steps.append("Send these headers too: " + ", ".join(f"{n}: {v}" for n, v in public.items()) + ".")
    notes = []
    if method not in (None, configured):
        notes.append(f"{target.name} is configured for {configured!r}; this is a generic guide to {kind!r}")
    unset = unset_secrets(target.headers, target.auth if auth is target.auth else None)
    if unset:
        notes.append(
            f"execute_query cannot call {target.name} until the environment gqlmon runs in sets "
            + ("it" if len(unset) == 1 else "them")
            + ": "
            + "; ".join(secret.missing.text() for secret in unset)
        )
    note = ". ".join(notes) or None
    return AuthGuide(
        **envelope,
        note=note,
        url=url,
        method=kind,
        configured_method=configured,
        summary=summary,
        headers=headers,
        steps=steps,
        token_exchange=exchange,
        refresh=refresh,
        environment=sorted({*flow.env.values(), *extra.values()}),
        python_example=_python(flow, url, target.name, kind),
        typescript_example=_typescript(flow, url, target.name, kind),
    )


def _describe(
    auth: BaseModel, prefix: str, url: str
) -> tuple[_Flow, str, list[str], str, TokenExchange | None]:
    if isinstance(auth, BearerAuth | GitHubAuth):
        header = auth.header if isinstance(auth, BearerAuth) else "Authorization"
        scheme = auth.scheme if isinstance(auth, BearerAuth) else "bearer"
        flow = _Flow("static", header, scheme, env={"token": f"{prefix}_TOKEN"})
        what = "a GitHub personal access token" if isinstance(auth, GitHubAuth) else "a static token"
        steps = [
            f"Get {what} for this API and keep it in ${prefix}_TOKEN (never in code).",
            f"Send it with every request: {header}: {scheme} <token>.".replace(":  <", ": <"),
        ]
        return (
            flow,
            f"{what.capitalize()} in the {header} header.",
            steps,
            "Static: replace the token when it is revoked or rotated.",
            None,
        )
    if isinstance(auth, ApiKeyExchangeAuth):
        exchange_url = redact(str(auth.exchange_url or url))
        flow = _Flow(
            "exchange",
            env={"key_id": f"{prefix}_API_KEY_ID", "key_secret": f"{prefix}_API_KEY_SECRET"},
            exchange_url=exchange_url,
            document=auth.mutation,
            variables={auth.id_variable: "key_id", auth.secret_variable: "key_secret"},
            token_path=auth.token_path.split("."),
            expires_path=auth.expires_path.split(".") if auth.expires_path else [],
            ttl=auth.default_ttl,
        )
        steps = [
            f"Keep the API key id in ${prefix}_API_KEY_ID and its secret in ${prefix}_API_KEY_SECRET.",
            f"POST the exchange mutation to {exchange_url} with variables {{{auth.id_variable}: <key id>, "
            f"{auth.secret_variable}: <key secret>}}.",
            f"Read the token at data.{auth.token_path}"
            + (f" and its expiry at data.{auth.expires_path}" if auth.expires_path else "")
            + ".",
            "Send Authorization: Bearer <token> with every request to the API.",
        ]
        refresh = _refresh_text(auth.expires_path, auth.default_ttl)
        exchange = TokenExchange(
            url=exchange_url,
            document=auth.mutation,
            variables={auth.id_variable: "<API key id>", auth.secret_variable: "<API key secret>"},
            token_path=auth.token_path,
            expires_path=auth.expires_path,
            default_ttl_seconds=auth.default_ttl,
        )
        return (
            flow,
            "An API key exchanged for a short-lived JWT by a GraphQL mutation.",
            steps,
            refresh,
            exchange,
        )
    if isinstance(auth, OidcAuth):
        source = f"the file {auth.token_file}" if auth.token_file else f"${prefix}_OIDC_TOKEN"
        if auth.exchange_mutation and auth.token_path:
            exchange_url = redact(str(auth.exchange_url or url))
            flow = _Flow(
                "exchange",
                env={} if auth.token_file else {"identity": f"{prefix}_OIDC_TOKEN"},
                exchange_url=exchange_url,
                document=auth.exchange_mutation,
                variables={auth.token_variable: "identity"},
                token_path=auth.token_path.split("."),
                expires_path=auth.expires_path.split(".") if auth.expires_path else [],
                ttl=auth.default_ttl,
                token_file=str(auth.token_file or ""),
            )
            steps = [
                f"Read the OIDC identity token from {source}.",
                f"POST the exchange mutation to {exchange_url} with ${auth.token_variable} = <identity token>.",
                f"Read the API token at data.{auth.token_path}; send Authorization: Bearer <token>.",
            ]
            exchange = TokenExchange(
                url=exchange_url,
                document=auth.exchange_mutation,
                variables={auth.token_variable: "<OIDC identity token>"},
                token_path=auth.token_path,
                expires_path=auth.expires_path,
                default_ttl_seconds=auth.default_ttl,
            )
            summary = "An OIDC identity token exchanged for an API token by a GraphQL mutation."
            return flow, summary, steps, _refresh_text(auth.expires_path, auth.default_ttl), exchange
        flow = _Flow(
            "file" if auth.token_file else "static",
            env={} if auth.token_file else {"token": f"{prefix}_OIDC_TOKEN"},
            token_file=str(auth.token_file or ""),
        )
        steps = [
            f"Read the OIDC identity token from {source}.",
            "Send Authorization: Bearer <identity token>.",
        ]
        refresh = (
            "Re-read the file for every request: the platform rotates it in place."
            if auth.token_file
            else "Replace the token before it expires (its exp claim says when)."
        )
        return flow, "An OIDC identity token used directly as a bearer token.", steps, refresh, None
    if isinstance(auth, CommandAuth):
        command = [redact(part) for part in auth.command]
        flow = _Flow("command", auth.header, auth.scheme, command=command, ttl=auth.ttl)
        steps = [
            f"Run {' '.join(command)} (no shell); its trimmed stdout is the token.",
            f"Send {auth.header}: {auth.scheme} <token> with every request.".replace(":  <", ": <"),
        ]
        refresh = (
            f"Cache the token for {auth.ttl:g} s, then run the command again; run it again once on HTTP 401."
        )
        return flow, "A token printed by a command.", steps, refresh, None
    flow = _Flow("none")
    steps = ["No credentials are needed: POST JSON {query, variables} to the URL."]
    return flow, "No authentication.", steps, "Nothing to refresh.", None


def _refresh_text(expires_path: str | None, ttl: float) -> str:
    where = f"data.{expires_path} (unix seconds or ISO 8601)" if expires_path else "the JWT's exp claim"
    return (
        f"The token expires at {where}, else after {ttl:g} s. Exchange again {REFRESH_MARGIN:g} s before "
        "it expires (20 % of its life for short-lived tokens), and once more if the API answers 401; a second "
        "401 means the credentials themselves are wrong."
    )


@dataclass(frozen=True, slots=True)
class _Dialect:
    """How one example language writes the body of its fetch-token function, per flow kind.

    ``bodies`` are ``str.format`` templates: ``{token}`` (static) is the expression reading the token,
    ``{variables}`` (exchange) the exchange's variables, each read from its environment variable or, for an
    OIDC identity token kept in a file, from that file.
    """

    literal: Callable[[str], str]  # a string literal of the language
    read_env: str  # the expression reading environment variable {name}
    read_file: str  # the expression reading TOKEN_FILE
    bodies: Mapping[str, str]  # flow kind -> template

    def body(self, flow: _Flow) -> str:
        token = self._read_env(flow.env["token"]) if flow.kind == "static" else ""
        variables = ", ".join(
            f"{self.literal(variable)}: "
            + (self.read_file if role == "identity" and flow.token_file else self._read_env(flow.env[role]))
            for variable, role in flow.variables.items()
        )
        return self.bodies[flow.kind].format(token=token, variables=variables)

    def _read_env(self, name: str) -> str:
        return self.read_env.format(name=self.literal(name))


# ------------------------------------------------------------------------------------------- python


_PY_HELPERS = '''

def dig(data, path):
    """The value at a dotted path of a JSON object (None when absent)."""
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def expiry(value):
    """Unix seconds from unix seconds, milliseconds or an ISO 8601 timestamp."""
    if isinstance(value, int | float):
        return value / 1000 if value > 1e12 else float(value)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return None
'''


_PY_FETCH = _Dialect(
    literal=repr,
    read_env="os.environ[{name}]",
    read_file="Path(TOKEN_FILE).read_text().strip()",
    bodies={
        "static": '        return {token}, float("inf")',
        "file": "        return Path(TOKEN_FILE).read_text().strip(), 0.0  # re-read for every request",
        "command": (
            "        done = subprocess.run(COMMAND, capture_output=True, text=True, check=True, timeout=30)\n"
            "        return done.stdout.strip(), time.time() + TTL"
        ),
        "exchange": """        variables = {{{variables}}}
        response = self.http.post(EXCHANGE_URL, json={{"query": EXCHANGE, "variables": variables}})
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"token exchange failed: HTTP {{response.status_code}} {{body.get('errors')}}")
        token = dig(body["data"], TOKEN_PATH)
        expires = (expiry(dig(body["data"], EXPIRES_PATH)) if EXPIRES_PATH else None) or time.time() + TTL
        return token, expires - min(REFRESH_MARGIN, 0.2 * max(expires - time.time(), 0.0))""",
    },
)


def _python(flow: _Flow, url: str, name: str, method: str) -> str:
    imports = ["import json", "import os"]
    if flow.kind == "command":
        imports.append("import subprocess")
    imports.append("import time")
    if flow.kind == "exchange":
        imports.append("from datetime import datetime")
    if flow.token_file:
        imports.append("from pathlib import Path")
    constants = [f"URL = {url!r}", f"HEADER = {flow.header!r}", f"SCHEME = {flow.scheme!r}"]
    entries = [f"{h!r}: os.environ[{e!r}]" for h, e in flow.extra.items()]
    entries += [f"{h!r}: {v!r}" for h, v in flow.public.items()]
    constants.append(f"EXTRA = {{{', '.join(entries)}}}")
    if flow.kind == "exchange":
        constants += [
            f"EXCHANGE_URL = {flow.exchange_url!r}",
            f"EXCHANGE = {flow.document!r}",
            f"TOKEN_PATH = {flow.token_path!r}",
            f"EXPIRES_PATH = {flow.expires_path!r}",
            f"TTL = {flow.ttl!r}  # seconds, when the answer does not say",
            f"REFRESH_MARGIN = {REFRESH_MARGIN!r}  # seconds before expiry",
        ]
    if flow.token_file:
        constants.append(f"TOKEN_FILE = {flow.token_file!r}")
    if flow.kind == "command":
        constants += [f"COMMAND = {flow.command!r}", f"TTL = {flow.ttl!r}  # seconds a token is reused"]
    if flow.kind == "none":
        auth_methods = """    def headers(self, fresh=False):
        return dict(EXTRA)
"""
    else:
        auth_methods = f"""    def fetch_token(self):
        \"\"\"A new token and when to replace it (unix seconds).\"\"\"
{_PY_FETCH.body(flow)}

    def headers(self, fresh=False):
        if fresh or self.token is None or time.time() >= self.refresh_at:
            self.token, self.refresh_at = self.fetch_token()
        return {{HEADER: f"{{SCHEME}} {{self.token}}".strip(), **EXTRA}}
"""
    return f'''"""Query the {name} GraphQL API ({method} authentication). Generated by gqlmon; holds no secrets.

Needs: pip install httpx
"""

{chr(10).join(imports)}

import httpx

{chr(10).join(constants)}
{_PY_HELPERS if flow.kind == "exchange" else ""}

class Api:
    """A client that keeps the current token and replaces it before it expires and once after HTTP 401."""

    def __init__(self):
        self.http = httpx.Client(timeout=30.0)
        self.token = None
        self.refresh_at = 0.0

{auth_methods}
    def query(self, document, variables=None):
        payload = {{"query": document, "variables": variables or {{}}}}
        response = self.http.post(URL, json=payload, headers=self.headers())
        if response.status_code == 401:  # expired or revoked early: one fresh token, one retry
            response = self.http.post(URL, json=payload, headers=self.headers(fresh=True))
        response.raise_for_status()
        return response.json()


if __name__ == "__main__":
    print(json.dumps(Api().query("{{ __typename }}"), indent=2))
'''


# ------------------------------------------------------------------------------------------- typescript


_TS_FETCH = _Dialect(
    literal=json.dumps,
    read_env="requireEnv({name})",
    read_file='readFileSync(TOKEN_FILE, "utf8").trim()',
    bodies={
        "static": "  return [{token}, Infinity];",
        "file": '  return [readFileSync(TOKEN_FILE, "utf8").trim(), 0]; // re-read for every request',
        "command": (
            '  const token = execFileSync(COMMAND[0], COMMAND.slice(1), {{ encoding: "utf8" }}).trim();\n'
            "  return [token, Date.now() + TTL_MS];"
        ),
        "exchange": """  const variables = {{ {variables} }};
  const response = await fetch(EXCHANGE_URL, {{
    method: "POST",
    headers: {{ "Content-Type": "application/json" }},
    body: JSON.stringify({{ query: EXCHANGE, variables }}),
  }});
  const body = (await response.json()) as {{ data?: unknown; errors?: unknown[] }};
  if (!response.ok || body.errors) {{
    throw new Error(`token exchange failed: HTTP ${{response.status}} ${{JSON.stringify(body.errors)}}`);
  }}
  const token = String(dig(body.data, TOKEN_PATH));
  const expires = (EXPIRES_PATH.length ? expiry(dig(body.data, EXPIRES_PATH)) : null) ?? Date.now() + TTL_MS;
  return [token, expires - Math.min(REFRESH_MARGIN_MS, 0.2 * Math.max(expires - Date.now(), 0))];""",
    },
)


_TS_HELPERS = """
function dig(data: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined),
    data,
  );
}

// Milliseconds since the epoch from unix seconds, milliseconds or an ISO 8601 timestamp.
function expiry(value: unknown): number | null {
  if (typeof value === "number") return value > 1e12 ? value : value * 1000;
  if (typeof value === "string" && value) return Date.parse(value);
  return null;
}
"""


def _typescript(flow: _Flow, url: str, name: str, method: str) -> str:
    imports = []
    if flow.kind == "command":
        imports.append('import { execFileSync } from "node:child_process";')
    if flow.token_file:
        imports.append('import { readFileSync } from "node:fs";')
    constants = [f"const URL = {json.dumps(url)};", f"const HEADER = {json.dumps(flow.header)};"]
    constants.append(f"const SCHEME = {json.dumps(flow.scheme)};")
    extra = ", ".join(
        [f"{json.dumps(h)}: requireEnv({json.dumps(e)})" for h, e in flow.extra.items()]
        + [f"{json.dumps(h)}: {json.dumps(v)}" for h, v in flow.public.items()]
    )
    if flow.kind == "exchange":
        constants += [
            f"const EXCHANGE_URL = {json.dumps(flow.exchange_url)};",
            f"const EXCHANGE = {json.dumps(flow.document)};",
            f"const TOKEN_PATH = {json.dumps(flow.token_path)};",
            f"const EXPIRES_PATH: string[] = {json.dumps(flow.expires_path)};",
            f"const TTL_MS = {int(flow.ttl * 1000)}; // when the answer does not say",
            f"const REFRESH_MARGIN_MS = {int(REFRESH_MARGIN * 1000)};",
        ]
    if flow.token_file:
        constants.append(f"const TOKEN_FILE = {json.dumps(flow.token_file)};")
    if flow.kind == "command":
        constants += [
            f"const COMMAND = {json.dumps(flow.command)};",
            f"const TTL_MS = {int(flow.ttl * 1000)};",
        ]
    if flow.kind == "none":
        auth = f"""async function headers(_fresh = false): Promise<Record<string, string>> {{
  return {{ "Content-Type": "application/json", {extra} }};
}}"""
    else:
        auth = f"""let token: string | null = null;
let refreshAt = 0;

// A new token and when to replace it (milliseconds since the epoch).
async function fetchToken(): Promise<[string, number]> {{
{_TS_FETCH.body(flow)}
}}

async function headers(fresh = false): Promise<Record<string, string>> {{
  if (fresh || token === null || Date.now() >= refreshAt) {{
    [token, refreshAt] = await fetchToken();
  }}
  return {{ "Content-Type": "application/json", [HEADER]: `${{SCHEME}} ${{token}}`.trim(), {extra} }};
}}"""
    return f"""// Query the {name} GraphQL API ({method} authentication). Generated by gqlmon; holds no secrets.
// Node 18+ (global fetch); run with: npx tsx example.ts
{chr(10).join(imports)}
{chr(10).join(constants)}

function requireEnv(name: string): string {{
  const value = process.env[name];
  if (!value) throw new Error(`set the environment variable ${{name}}`);
  return value;
}}
{_TS_HELPERS if flow.kind == "exchange" else ""}
{auth}

export async function query(document: string, variables: Record<string, unknown> = {{}}): Promise<unknown> {{
  const body = JSON.stringify({{ query: document, variables }});
  let response = await fetch(URL, {{ method: "POST", headers: await headers(), body }});
  if (response.status === 401) {{
    // expired or revoked early: one fresh token, one retry
    response = await fetch(URL, {{ method: "POST", headers: await headers(true), body }});
  }}
  if (!response.ok) throw new Error(`HTTP ${{response.status}} from ${{URL}}`);
  return response.json();
}}

query("{{ __typename }}").then((result) => console.log(JSON.stringify(result, null, 2)));
"""
