"""API-key exchange for the demo API: ``Mutation.apiKeyUser`` trades a key for a short-lived JWT.

The tokens are real HS256 JWTs (header, claims, HMAC-SHA256 signature; base64url without padding) signed
with a key that is public by design: the demo shows the *exchange*, not security. A token names the API key
in ``sub`` and expires at ``exp`` (Unix seconds), which ``ApiKeyUser.validUntil`` reports, so a client can
refresh before expiry the way it would against Spacelift.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: The one API key the demo accepts. Public by design: this is a demo.
DEMO_API_KEY_ID = "demo-key"
DEMO_API_KEY_SECRET = "demo-secret"  # noqa: S105 - a published demo credential, not a secret

_SIGNING_KEY = b"gqlmon-demo-signing-key"
_ISSUER = "gqlmon-demo"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What ``Mutation.apiKeyUser`` returns: the key ID, the JWT and its expiry (Unix seconds)."""

    id: str
    jwt: str
    valid_until: int


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    """Checks API keys, issues JWTs for them and verifies JWTs it issued."""

    keys: dict[str, str] = field(default_factory=lambda: {DEMO_API_KEY_ID: DEMO_API_KEY_SECRET})
    ttl: int = 3600
    clock: Callable[[], float] = time.time

    def exchange(self, key_id: str, secret: str) -> IssuedToken | None:
        """A token for a valid key, or ``None`` when the key is unknown or the secret is wrong."""
        expected = self.keys.get(key_id)
        if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
            return None
        now = int(self.clock())
        claims = {"iss": _ISSUER, "sub": key_id, "iat": now, "exp": now + self.ttl}
        return IssuedToken(id=key_id, jwt=_sign(claims), valid_until=now + self.ttl)

    def verify(self, token: str) -> str | None:
        """The key ID a token was issued for, or ``None`` when it is malformed, forged or expired."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        header, payload, signature = parts
        expected = _b64encode(hmac.digest(_SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256))
        if not hmac.compare_digest(expected, signature):
            return None
        try:
            claims = json.loads(_b64decode(payload))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(claims, dict):
            return None
        subject, expires = claims.get("sub"), claims.get("exp")
        if not isinstance(subject, str) or not isinstance(expires, int) or expires <= self.clock():
            return None
        return subject

    def bearer(self, authorization: str | None) -> str | None:
        """The key ID of an ``Authorization: Bearer <jwt>`` header value, if it carries a valid token."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.verify(token.strip())


def _sign(claims: dict[str, object]) -> str:
    header = _b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64encode(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signature = _b64encode(hmac.digest(_SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256))
    return f"{header}.{payload}.{signature}"


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
