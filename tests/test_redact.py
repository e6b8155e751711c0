"""Secrets are masked in every log record and text gqlmon writes."""

from __future__ import annotations

import logging

import pytest

from monitor.redact import RedactingFilter, redact, register_secret

CANARY = "canary-redact-77aa11bb"


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
    assert "***" in (caplog.records[-1].exc_text or "")


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
        "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXX",
        "token xoxb-1234567890-abcdef",
        "ghp_abcdefghijklmnopqrstuvwxyz0123",
    ],
)
def test_credential_shapes_are_masked_even_unregistered(text: str) -> None:
    assert "***" in redact(text)


def test_short_values_are_not_registered() -> None:
    register_secret("ab")
    assert redact("about") == "about"
