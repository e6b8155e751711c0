from __future__ import annotations

from tests.core.diff.helpers import changes, rows

SDL = "type Query { at: DateTime }\nscalar DateTime"
SPEC = 'scalar DateTime @specifiedBy(url: "https://tools.ietf.org/html/rfc3339")'
OTHER = 'scalar DateTime @specifiedBy(url: "https://example.com/epoch-seconds")'


def test_specified_by_url() -> None:
    with_spec = SDL.replace("scalar DateTime", SPEC)
    with_other = SDL.replace("scalar DateTime", OTHER)
    assert rows(SDL, with_spec) == [("SCALAR_SPECIFIED_BY_URL_ADDED", "safe", "DateTime", "DateTime")]
    assert rows(with_spec, with_other) == [
        ("SCALAR_SPECIFIED_BY_URL_CHANGED", "dangerous", "DateTime", "DateTime")
    ]
    assert rows(with_other, SDL) == [("SCALAR_SPECIFIED_BY_URL_REMOVED", "safe", "DateTime", "DateTime")]
    (change,) = changes(with_spec, with_other)
    assert (change.old, change.new) == (
        "https://tools.ietf.org/html/rfc3339",
        "https://example.com/epoch-seconds",
    )


def test_scalar_description() -> None:
    described = SDL.replace("scalar DateTime", '"""ISO 8601"""\nscalar DateTime')
    assert rows(SDL, described) == [("TYPE_DESCRIPTION_ADDED", "safe", "DateTime", "DateTime")]
    assert changes(SDL, described)[0].message == "Description 'ISO 8601' was added to scalar type 'DateTime'"
