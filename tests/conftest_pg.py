"""PostgreSQL fixtures: the real server CI starts (``.ci/postgres.sh``), an isolated schema per test.

``GQLMON_TEST_POSTGRES_URL`` names a database (``postgresql://postgres@127.0.0.1:55432/gqlmon_test``).
Unset, every PostgreSQL test skips (and CI, which sets ``GQLMON_REQUIRE_POSTGRES=1``, turns that skip into
a failure). Each test gets its own PostgreSQL schema, selected through the connection's ``search_path``, so
tests never see each other's rows and the database needs no cleaning; the schema is dropped afterwards.

Fixtures:

``postgres_url``  the base URL (session); skips when unset
``pg_url``        a URL whose connections use a fresh, empty schema (function)
``state_url``     parametrized: a fresh SQLite file, then a fresh PostgreSQL schema (marked ``postgres``)
``any_store``     a :class:`~monitor.adapters.store.Store` opened on ``state_url``
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from monitor.adapters.store import Store, engine_url

POSTGRES_ENV = "GQLMON_TEST_POSTGRES_URL"


def with_search_path(url: str, schema: str) -> str:
    """``url`` with libpq ``options`` that make every connection use ``schema``."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (.ci/postgres.sh starts a server and prints it)")
    return url


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"t_{secrets.token_hex(6)}"
    engine = sa.create_engine(engine_url(postgres_url), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(postgres_url, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'state.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def any_store(state_url: str) -> Iterator[Store]:
    store = Store.open(state_url)
    try:
        yield store
    finally:
        store.close()
