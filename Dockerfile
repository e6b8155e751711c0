# gqlmon: the scheduler (`gqlmon run`, the default), one-shot checks (`gqlmon check --all`) and the MCP server.
#
#   docker build -t gqlmon .
#   docker run --rm -v "$PWD/monitor.toml:/config/monitor.toml:ro" gqlmon check --all
#
# Configuration: /config/monitor.toml (MONITOR_CONFIG). Writable state: /data (the SQLite store, reports);
# use PostgreSQL (MONITOR_STATE=postgresql://...) to run several replicas. See deploy/README.md.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_CONFIG=/config/monitor.toml \
    MONITOR_STATE=sqlite:////data/state.db \
    MONITOR_REPORTS_DIR=/data/reports \
    MONITOR_HEALTH_FILE=/tmp/gqlmon/health.json
COPY --from=build /wheels /wheels
# The package with the PostgreSQL driver (psycopg 3), for shared state.
RUN pip install "$(ls /wheels/gqlmon-*.whl)[postgres]" && rm -rf /wheels
RUN groupadd --system --gid 10001 gqlmon \
    && useradd --system --uid 10001 --gid gqlmon --home-dir /data --shell /usr/sbin/nologin gqlmon \
    && mkdir -p /config /data /tmp/gqlmon \
    && chown gqlmon:gqlmon /data /tmp/gqlmon
WORKDIR /data
VOLUME ["/data"]
USER gqlmon:gqlmon
# The scheduler rewrites its health file every second; `gqlmon healthcheck` fails once it is stale.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["gqlmon", "healthcheck", "--max-age", "60"]
ENTRYPOINT ["gqlmon"]
CMD ["run"]
