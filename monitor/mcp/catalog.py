"""What the MCP server knows: the configuration, the store (read only), and snapshots built once each.

:class:`Catalog` validates every target name and snapshot reference it is given (names must look like
configured names and be known to the configuration or the store; snapshot references are ``latest``,
``previous`` or a hex id prefix), so no caller-supplied text reaches a path or a query pattern unchecked.

Snapshots are content-addressed, so a built snapshot never goes stale: :class:`LoadedSnapshot` keeps the
introspection result and builds the ``GraphQLSchema``, the search index and the SDL chunks on first use,
each once, under a lock. The catalog keeps the few most recently used snapshots.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final, TypeVar

from graphql import GraphQLSchema

from monitor.adapters.store import SnapshotRef, Store
from monitor.core.schema import IntrospectionDict, schema_from_introspection, validity_problems
from monitor.core.sdl import Chunk, schema_chunks
from monitor.core.search import SchemaIndex
from monitor.core.text import terminal_safe
from monitor.errors import ConfigError, MonitorError, SnapshotError
from monitor.mcp.models import Envelope
from monitor.settings.models import NAME_RE, Settings, TargetConfig

T = TypeVar("T")

_RUN_RE: Final = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,39}$")


def envelope(target: str, snap: SnapshotRef | None) -> Envelope:
    """The fields every answer about a snapshot carries (all ``None`` without a snapshot)."""
    if snap is None:
        return Envelope(target=target, snapshot=None, fingerprint=None, fetched_at=None)
    return Envelope(
        target=target, snapshot=snap.id, fingerprint=snap.id, fetched_at=snap.first_seen_at.isoformat()
    )


def shown(value: str, limit: int = 80) -> str:
    """Caller-supplied text made safe to quote in a message: one line, no control characters, short."""
    text = terminal_safe(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


class LoadedSnapshot:
    """One stored schema and what is derived from it, each built once on first use."""

    def __init__(self, snapshot_id: str, introspection: IntrospectionDict) -> None:
        self.id = snapshot_id
        self.introspection = introspection
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._built: dict[str, Any] = {}

    def _once(self, key: str, build: Callable[[], T]) -> T:
        # One lock per derived value: building one (problems) may need another (schema) first.
        with self._lock:
            if key in self._built:
                found: T = self._built[key]
                return found
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._built:
                value = build()
                with self._lock:
                    self._built[key] = value
            built: T = self._built[key]
            return built

    @property
    def schema(self) -> GraphQLSchema:
        return self._once(
            "schema", lambda: schema_from_introspection(self.introspection, source=self.id[:12])
        )

    @property
    def index(self) -> SchemaIndex:
        return self._once("index", lambda: SchemaIndex.build(self.introspection))

    @property
    def chunks(self) -> list[Chunk]:
        return self._once("chunks", lambda: schema_chunks(self.schema))

    @property
    def problems(self) -> list[str]:
        return self._once("problems", lambda: validity_problems(self.schema)[:20])


class Catalog:
    """Settings, the store and a small LRU of loaded snapshots; safe to use from worker threads."""

    def __init__(self, settings: Settings, store: Store | None = None, *, cache_size: int = 4) -> None:
        self.settings = settings
        self._store = store
        self._store_lock = threading.Lock()
        self._closed = False
        self._cache: OrderedDict[str, LoadedSnapshot] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self._cache_size = max(cache_size, 1)

    # ------------------------------------------------------------------------------- store

    @property
    def store(self) -> Store:
        """The state store, opened on first use (a missing SQLite file is an error, never created)."""
        with self._store_lock:
            if self._closed:
                raise SnapshotError("the MCP server is shutting down")
            if self._store is None:
                self._store = Store.open(self.settings.state, create=False)
            return self._store

    def has_store(self) -> bool:
        try:
            self.store  # noqa: B018 - opening is the check
        except SnapshotError:
            return False
        return True

    def close(self) -> None:
        """Close the store; a worker thread still running (a warm-up) gets SnapshotError from now on."""
        with self._store_lock:
            self._closed = True
            if self._store is not None:
                self._store.close()
                self._store = None

    # ------------------------------------------------------------------------------- targets

    def target_names(self) -> list[str]:
        """Configured targets first (in configuration order), then targets only the store knows."""
        names = [t.name for t in self.settings.targets]
        if self.has_store():
            names.extend(n for n in self.store.targets() if n not in names)
        return names

    def target(self, name: str) -> str:
        """``name`` if it is a known target, else a ConfigError naming the known ones."""
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ConfigError(
                f"{shown(str(name))} is not a target name (letters, digits, '.', '_' or '-'); see list_targets"
            )
        if any(t.name == name for t in self.settings.targets):
            return name
        known = self.target_names()
        if name not in known:
            listing = ", ".join(known[:20]) or "none yet"
            raise ConfigError(f"unknown target {shown(name)} (known: {listing}); see list_targets")
        return name

    def config(self, name: str) -> TargetConfig | None:
        for target in self.settings.targets:
            if target.name == name:
                return target
        return None

    def configured(self, name: str) -> TargetConfig:
        """The configuration of a target; targets only the store knows have none."""
        config = self.config(self.target(name))
        if config is None:
            raise ConfigError(
                f"target {name!r} is in the store but not in monitor.toml; configure it to use this"
            )
        return config

    # ------------------------------------------------------------------------------- snapshots

    def resolve(self, target: str, ref: str = "latest") -> SnapshotRef:
        """``latest``, ``previous`` or a snapshot id prefix of ``target``."""
        target = self.target(target)
        ref = (ref or "latest").strip()
        if ref == "latest":
            latest = self.store.latest_snapshot(target)
            if latest is None:
                raise SnapshotError(
                    f"no snapshot stored for target {target!r}: run `gqlmon check {target}` first"
                )
            return latest
        if ref != "previous" and (len(ref) > 64 or not re.fullmatch(r"[0-9a-fA-F]{6,64}", ref)):
            raise SnapshotError(f"{shown(ref)} is not a snapshot id: use latest, previous or a hex id prefix")
        return self.store.resolve_snapshot(target, ref)

    def load(self, snapshot_id: str) -> LoadedSnapshot:
        """The snapshot with this full id, from the cache or the store."""
        with self._cache_lock:
            cached = self._cache.get(snapshot_id)
            if cached is not None:
                self._cache.move_to_end(snapshot_id)
                return cached
            lock = self._loading.setdefault(snapshot_id, threading.Lock())
        with lock:
            with self._cache_lock:
                cached = self._cache.get(snapshot_id)
                if cached is not None:
                    return cached
            loaded = LoadedSnapshot(snapshot_id, self.store.load_snapshot(snapshot_id))
            with self._cache_lock:
                self._cache[snapshot_id] = loaded
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
                self._loading.pop(snapshot_id, None)
            return loaded

    def snapshot(self, target: str, ref: str = "latest") -> tuple[SnapshotRef, LoadedSnapshot]:
        snap = self.resolve(target, ref)
        return snap, self.load(snap.id)

    def prewarm(self) -> list[str]:
        """Load the latest snapshot of the configured targets and build their search indexes, so that the
        first question does not wait for it; returns the targets done. Problems are left for the tools to
        report when they are asked."""
        done: list[str] = []
        for target in self.settings.targets[: self._cache_size]:
            try:
                _, loaded = self.snapshot(target.name, "latest")
                loaded.index  # noqa: B018 - building it is the point
            except MonitorError:
                continue
            done.append(target.name)
        return done

    def watch_state(self) -> dict[str, tuple[str | None, str | None]]:
        """Per target, the latest snapshot id and the latest run id (what the store watcher compares)."""
        store = self.store
        state: dict[str, tuple[str | None, str | None]] = {}
        for name in self.target_names():
            latest = store.latest_snapshot(name)
            runs = store.list_runs(name, limit=1)
            state[name] = (latest.id if latest else None, runs[0].id if runs else None)
        return state

    # ------------------------------------------------------------------------------- runs

    @staticmethod
    def run_id(ref: str) -> str:
        """``latest`` or a run id (prefix); anything else (LIKE wildcards, paths) is refused."""
        ref = (ref or "latest").strip()
        if ref != "latest" and not _RUN_RE.match(ref):
            raise SnapshotError(
                f"{shown(ref)} is not a run id: use latest or an id from list_targets/history"
            )
        return ref
