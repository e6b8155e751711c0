"""Change ids typed by people: full ids, unique prefixes like git's, and errors that name the candidates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.core.acks import Acknowledgement, ChangeIdError, normalize_id, resolve_change_id
from monitor.errors import ConfigError

KNOWN = {
    "0a1b2c3d4e5f6071": "Field 'commitHash' was removed from object type 'Run'",
    "0a1b99887766aabb": "Field 'email' was removed from object type 'User'",
    "f00dfeed12345678": "Enum value 'PENDING_REVIEW' was added to enum 'RunState'",
    "c0ffee0000000001": "Type 'Legacy' was removed",
}
WHERE = "the changes recorded for 'api'"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("f00dfeed12345678", "f00dfeed12345678"),
        ("F00DFEED12345678", "f00dfeed12345678"),  # case does not matter
        ("#f00dfeed12345678", "f00dfeed12345678"),  # as reports print it
        ("  f00d ", "f00dfeed12345678"),  # 4 digits are enough when unique
        ("0a1b2", "0a1b2c3d4e5f6071"),
        ("c0ffee", "c0ffee0000000001"),
    ],
)
def test_full_ids_and_unique_prefixes(typed: str, expected: str) -> None:
    assert resolve_change_id(typed, KNOWN, where=WHERE) == expected


def test_an_ambiguous_prefix_lists_every_candidate() -> None:
    with pytest.raises(ChangeIdError) as caught:
        resolve_change_id("0a1b", KNOWN, where=WHERE)
    assert str(caught.value) == (
        "change id '0a1b' is ambiguous in the changes recorded for 'api': "
        "0a1b2c3d4e5f6071 (Field 'commitHash' was removed from object type 'Run'); "
        "0a1b99887766aabb (Field 'email' was removed from object type 'User')"
    )


def test_an_unknown_id_names_the_closest_ones_first_the_mistyped_one() -> None:
    with pytest.raises(ChangeIdError) as caught:
        resolve_change_id("f00dfeed12345679", KNOWN, where=WHERE)  # last digit mistyped
    message = str(caught.value)
    assert message.startswith(
        "unknown change id 'f00dfeed12345679' in the changes recorded for 'api'; closest: "
    )
    closest = message.split("closest: ", 1)[1].split("; ")
    assert len(closest) == 3
    assert closest[0] == "f00dfeed12345678 (Enum value 'PENDING_REVIEW' was added to enum 'RunState')"


def test_an_unknown_id_where_nothing_is_known() -> None:
    with pytest.raises(
        ChangeIdError, match=r"^unknown change id 'deadbeefdeadbeef': the acks of 'api' has none$"
    ):
        resolve_change_id("deadbeefdeadbeef", {}, where="the acks of 'api'")


def test_a_unique_prefix_shorter_than_four_digits_is_refused_naming_the_change() -> None:
    with pytest.raises(
        ChangeIdError, match=r"^change id prefix 'c0f' is too short: give at least 4 digits \(c0ffee"
    ):
        resolve_change_id("c0f", KNOWN, where=WHERE)


@pytest.mark.parametrize("typed", ["", "#", "not-an-id", "0a1b2c3d4e5f60712", "g00d"])
def test_what_is_not_a_change_id(typed: str) -> None:
    with pytest.raises(ChangeIdError, match="is not a change id: give the 16 hex digits"):
        normalize_id(typed)


def test_change_id_errors_are_configuration_errors_exit_2() -> None:
    assert issubclass(ChangeIdError, ConfigError)


def test_long_descriptions_are_cut() -> None:
    known = {"abcd000000000001": "x" * 500, "abcd000000000002": "y"}
    with pytest.raises(ChangeIdError) as caught:
        resolve_change_id("abcd", known, where=WHERE)
    assert f"abcd000000000001 ({'x' * 69}…)" in str(caught.value)


def test_an_acknowledgement_is_in_force_until_its_date() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    until = Acknowledgement("api", "c0ffee0000000001", "ok", datetime(2026, 2, 1, tzinfo=UTC), created)
    forever = Acknowledgement("api", "c0ffee0000000001", "ok", None, created)
    assert until.in_force(datetime(2026, 1, 31, tzinfo=UTC))
    assert not until.in_force(datetime(2026, 2, 1, tzinfo=UTC))
    assert forever.in_force(datetime(2099, 1, 1, tzinfo=UTC))
