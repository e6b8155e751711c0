"""The fixed part of a generated Python client: errors, retries, authentication, the sync and async
clients. :mod:`monitor.codegen.python` fills in the constants and the token source of the target's
authentication (:func:`clients`), then appends the types and one function per operation.

The two clients are written once, as the async one: the sync one is derived from it by the rewrites
of :data:`UNASYNC`, the way the ``unasync`` tool derives synchronous code from asynchronous code."""

from __future__ import annotations

import re

ERRORS = '''

class ClientError(Exception):
    """Base of every error this module raises."""


class ConfigurationError(ClientError):
    """The environment lacks a setting (the URL, a credential)."""


class AuthenticationError(ClientError):
    """No token could be obtained, or the API refused a fresh one (HTTP 401)."""


class TransportError(ClientError):
    """The request did not complete (connection refused, timeout) after the allowed retries."""


class HTTPError(ClientError):
    """The API answered with an HTTP error status (after the allowed retries)."""

    def __init__(self, status_code: int, url: str, body: str) -> None:
        super().__init__(f"HTTP {status_code} from {url}" + (f": {body}" if body else ""))
        self.status_code = status_code
        self.url = url
        self.body = body


@dataclass(frozen=True)
class GraphQLErrorDetail:
    """One entry of a response's ``errors``: ``path`` is where in the result it happened."""

    message: str
    path: tuple[str | int, ...] = ()
    locations: tuple[tuple[int, int], ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{self.message} (at {where})" if where else self.message


class GraphQLErrors(ClientError):
    """The response holds GraphQL errors. ``data`` is the partial result the API sent, if any."""

    def __init__(self, errors: Sequence[GraphQLErrorDetail], data: Mapping[str, Any] | None) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]) + (" ..." if len(errors) > 5 else ""))
        self.errors = tuple(errors)
        self.data = data


class ResponseFormatError(ClientError):
    """The response is not a GraphQL result, or does not match the operation's types."""
'''

HELPERS = '''

def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(f"set the environment variable {name}")
    return value


def _endpoint(url: str | None) -> str:
    chosen = url or os.environ.get(URL_ENV) or DEFAULT_URL
    if not chosen:
        raise ConfigurationError(f"pass url= or set the environment variable {URL_ENV}")
    return chosen


def _retryable(status: int, mutation: bool) -> bool:
    """A query is retried on 429 and 5xx; a mutation only when the API cannot have run it (429, 503)."""
    if mutation:
        return status in (429, 503)
    return status == 429 or status in (500, 502, 503, 504)


def _retry_delay(response: httpx.Response | None, attempt: int) -> float | None:
    """What ``Retry-After`` asks for (seconds or an HTTP date), else exponential backoff with jitter;
    None when the API asks for a longer wait than MAX_RETRY_AFTER (the error is raised then)."""
    header = response.headers.get("Retry-After") if response is not None else None
    if header:
        try:
            wait: float | None = float(header)
        except ValueError:
            try:
                wait = email.utils.parsedate_to_datetime(header).timestamp() - time.time()
            except (TypeError, ValueError):
                wait = None
        if wait is not None:
            return max(wait, 0.0) if wait <= MAX_RETRY_AFTER else None
    return min(BACKOFF * 2.0**attempt, MAX_RETRY_AFTER) * (0.5 + random.random() / 2)  # noqa: S311


def _details(errors: Any) -> list[GraphQLErrorDetail]:
    out = []
    for error in errors if isinstance(errors, list) else [errors]:
        entry = error if isinstance(error, dict) else {"message": str(error)}
        path = entry.get("path")
        locations = entry.get("locations")
        extensions = entry.get("extensions")
        out.append(
            GraphQLErrorDetail(
                message=str(entry.get("message", "unknown error")),
                path=tuple(p for p in path if isinstance(p, str | int)) if isinstance(path, list) else (),
                locations=tuple(
                    (int(loc.get("line", 0)), int(loc.get("column", 0)))
                    for loc in locations
                    if isinstance(loc, dict)
                )
                if isinstance(locations, list)
                else (),
                extensions=extensions if isinstance(extensions, dict) else {},
            )
        )
    return out


def _result(response: httpx.Response) -> dict[str, Any]:
    """The ``data`` of a response; the typed error for anything else."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400 and not (isinstance(body, dict) and body.get("errors")):
        raise HTTPError(response.status_code, str(response.url), response.text[:500])
    if not isinstance(body, dict):
        raise ResponseFormatError(f"HTTP {response.status_code} from {response.url}: the body is not a JSON object")
    data = body.get("data")
    if body.get("errors"):
        raise GraphQLErrors(_details(body["errors"]), data if isinstance(data, dict) else None)
    if response.status_code >= 400:
        raise HTTPError(response.status_code, str(response.url), response.text[:500])
    if not isinstance(data, dict):
        raise ResponseFormatError(f"{response.url}: the response has no data")
    return data


_M = TypeVar("_M", bound=BaseModel)


def _parse(model: type[_M], data: dict[str, Any]) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ResponseFormatError(f"the response does not match {model.__name__}: {exc}") from exc


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, protected_namespaces=())
'''

EXCHANGE_HELPERS = '''

def _dig(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _expiry(value: Any) -> float | None:
    """Unix seconds from unix seconds, milliseconds or an ISO 8601 timestamp."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / 1000 if value > 1e12 else float(value)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _exchange_payload() -> dict[str, Any]:
    return {"query": EXCHANGE_DOCUMENT, "variables": {VARIABLES}}


def _exchanged(response: httpx.Response) -> tuple[str, float]:
    """The token of an exchange response and when to replace it (unix seconds)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    token = _dig(data, TOKEN_PATH)
    if response.status_code != 200 or not isinstance(token, str) or not token:
        errors = body.get("errors") if isinstance(body, dict) else None
        reason = "; ".join(str(e) for e in _details(errors)) if errors else f"HTTP {response.status_code}"
        raise AuthenticationError(f"token exchange at {EXCHANGE_URL} failed: {reason}")
    now = time.time()
    expires = (_expiry(_dig(data, EXPIRES_PATH)) if EXPIRES_PATH else None) or now + TOKEN_TTL
    return token, expires - min(REFRESH_MARGIN, 0.2 * max(expires - now, 0.0))
'''

COMMAND_HELPERS = """

def _run_command() -> tuple[str, float]:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            COMMAND, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AuthenticationError(f"token command {COMMAND[0]!r} failed: {exc}") from None
    token = done.stdout.strip()
    if done.returncode != 0 or not token:
        raise AuthenticationError(f"token command {COMMAND[0]!r} exited {done.returncode} without a token")
    return token, time.time() + TOKEN_TTL
"""

FILE_HELPERS = """

def _read_token_file() -> str:
    try:
        return Path(TOKEN_FILE).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AuthenticationError(f"cannot read the token file {TOKEN_FILE}: {exc.strerror}") from None
"""

# The token source of each authentication kind: the body of the async client's ``_fetch_token``, which
# returns ``(token or None, refresh_at)``; None sends no credential header.
_TOKEN_SOURCES: dict[str, str] = {
    "none": "return None, math.inf",
    "static": "return _env(TOKEN_ENV), math.inf",
    "optional_static": "return os.environ.get(TOKEN_ENV) or None, math.inf",
    "file": "return _read_token_file(), 0.0  # re-read for every request: the platform rotates it",
    "command": "return await anyio.to_thread.run_sync(_run_command)",
    "exchange": "return _exchanged(await http.post(EXCHANGE_URL, json=_exchange_payload()))",
}

_HEADERS = """

def _headers(token: str | None) -> dict[str, str]:
    headers = dict(PUBLIC_HEADERS)
    headers.update({name: _env(env) for name, env in SECRET_HEADERS.items()})
    if token is not None:
        headers[AUTH_HEADER] = f"{AUTH_SCHEME} {token}".strip()
    return headers
"""

# ``{SOURCE}`` is the token source, ``{DOC}`` the docstring of the client.
_ASYNC_CLIENT = '''

class AsyncClient:
    {DOC}

    def __init__(
        self,
        url: str | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = TIMEOUT,
        max_retries: int = MAX_RETRIES,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.url = _endpoint(url)
        self.max_retries = max_retries
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None
        self._sleep = sleep
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = anyio.Lock()  # one token fetch at a time for concurrent callers

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def _fetch_token(self, http: httpx.AsyncClient) -> tuple[str | None, float]:
        {SOURCE}

    async def _credentials(self, fresh: bool) -> dict[str, str]:
        async with self._lock:
            if fresh or time.time() >= self._refresh_at:
                self._token, self._refresh_at = await self._fetch_token(self._http)
            return _headers(self._token)

    async def execute(
        self,
        document: str,
        variables: Mapping[str, Any],
        *,
        operation_name: str,
        mutation: bool = False,
    ) -> dict[str, Any]:
        """POST one operation; its ``data``, or the typed error."""
        payload = {"query": document, "variables": dict(variables), "operationName": operation_name}
        attempt, fresh, refreshed = 0, False, False
        while True:
            headers = await self._credentials(fresh)
            fresh = False
            try:
                response = await self._http.post(self.url, json=payload, headers=headers)
            except httpx.TransportError as exc:
                delay = _retry_delay(None, attempt)
                if attempt < self.max_retries and (not mutation or isinstance(exc, httpx.ConnectError)):
                    await self._sleep(delay or 0.0)
                    attempt += 1
                    continue
                raise TransportError(f"{self.url}: {type(exc).__name__}: {exc}") from exc
            if response.status_code == 401:
                if REFRESHABLE and not refreshed:  # expired or revoked early: one fresh token, one retry
                    fresh = refreshed = True
                    continue
                raise AuthenticationError(f"{self.url} refused the credentials (HTTP 401)")
            delay = _retry_delay(response, attempt)
            if _retryable(response.status_code, mutation) and attempt < self.max_retries and delay is not None:
                await self._sleep(delay)
                attempt += 1
                continue
            return _result(response)
'''

_ASYNC_DOC = '''"""The asynchronous :class:`Client` (asyncio or trio, through httpx)."""'''

_SYNC_DOC = '''"""A synchronous client: keeps the current token (replaced before it expires and once after HTTP
    401), retries 429 and 5xx answers as ``Retry-After`` says, raises :class:`ClientError` subclasses.

    ``url`` defaults to ``$URL_ENV``, then to the URL the client was generated for. Pass ``http`` to
    share a configured :class:`httpx.Client` (proxies, TLS, transports); the caller then closes it.
    """'''

#: How the sync client is derived from the async one: (pattern, replacement), applied in this order.
UNASYNC: tuple[tuple[str, str], ...] = (
    (r"await anyio\.to_thread\.run_sync\((\w+)\)", r"\1()"),  # a call run in a worker thread is a plain call
    (r"\basync (def|with) ", r"\1 "),
    (r"\bawait ", ""),
    (r"Callable\[\[float\], Awaitable\[None\]\] = anyio\.sleep\b", "Callable[[float], None] = time.sleep"),
    (r"\banyio\.Lock\(\)", "threading.Lock()"),
    (r"\bAsyncClient\b", "Client"),
    (r"\baclose\b", "close"),
    (r"\b__a(enter|exit)__\b", r"__\1__"),
)


def unasync(source: str) -> str:
    """The synchronous form of the async client's ``source``."""
    for pattern, replacement in UNASYNC:
        source = re.sub(pattern, replacement, source)
    return source


def clients(auth_kind: str) -> str:
    """``_headers``, ``Client`` and ``AsyncClient`` fetching their tokens the way ``auth_kind`` says."""
    async_client = _ASYNC_CLIENT.replace("{SOURCE}", _TOKEN_SOURCES[auth_kind])
    sync_client = unasync(async_client).replace("{DOC}", _SYNC_DOC)
    return _HEADERS + sync_client + async_client.replace("{DOC}", _ASYNC_DOC)
