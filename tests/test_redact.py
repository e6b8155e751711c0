"""Secrets are masked in every log record and text gqlmon writes."""

from __future__ import annotations

import logging

import pytest

from monitor.support.redact import RedactingFilter, redact, register_secret

CANARY = "cnry-77aa11bb-Qx9Lm2Vb"  # no six characters of it occur in other text of a traceback


def test_registered_secret_is_masked_everywhere(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(CANARY)
    logger = logging.getLogger("monitor.test-redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.DEBUG, logger="monitor.test-redact"):
        logger.info("token is %s", CANARY)
        try:
            raise ValueError(f"bad token {CANARY}")
        except ValueError:
            logger.exception("failed")
    text = caplog.text + " ".join(r.getMessage() for r in caplog.records)
    assert CANARY not in text
    assert "token is ***" in text
    exc_text = caplog.records[-1].exc_text or ""
    assert "ValueError: bad token ***" in exc_text
    assert not leaks(CANARY, exc_text)


def leaks(secret: str, text: str, piece: int = 6) -> list[str]:
    """Every run of ``piece`` characters of ``secret`` found in ``text``: a secret half-masked leaks too."""
    return [secret[i : i + piece] for i in range(len(secret) - piece + 1) if secret[i : i + piece] in text]


@pytest.mark.parametrize(
    ("text", "secret", "masked"),
    [
        (
            "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
            "abcdefghijklmnopqrstuvwxyz",
            "Authorization: Bearer ***",
        ),
        (
            'authorization="Basic dXNlcjpwYXNzd29yZA=="',
            "dXNlcjpwYXNzd29yZA==",
            'authorization="Basic ***"',
        ),
        (
            "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXX",
            "T000/B000/XXXXXXXX",
            "posting to ***",
        ),
        ("token xoxb-1234567890-abcdef", "xoxb-1234567890-abcdef", "token ***"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123 sent", "ghp_abcdefghijklmnopqrstuvwxyz0123", "*** sent"),
        (
            "GET https://api.example.com/graphql?page=2&api_key=s3cr3tValue9&x=1",
            "s3cr3tValue9",
            "GET https://api.example.com/graphql?page=2&api_key=***&x=1",
        ),
    ],
)
def test_credential_shapes_are_masked_even_unregistered(text: str, secret: str, masked: str) -> None:
    redacted = redact(text)
    assert secret not in redacted
    assert not leaks(secret, redacted)
    assert redacted == masked  # the secret is gone and the rest of the line is kept


def test_a_registered_secret_inside_a_longer_one_leaves_no_part_of_either() -> None:
    short, long = "inner-secret-4411", "outer-inner-secret-4411-tail"
    register_secret(short)
    register_secret(long)
    redacted = redact(f"a={long} b={short} c={long}")
    assert redacted == "a=*** b=*** c=***"
    assert not leaks(long, redacted) and not leaks(short, redacted)


def test_short_values_are_not_registered() -> None:
    register_secret("ab")
    assert redact("about") == "about"
