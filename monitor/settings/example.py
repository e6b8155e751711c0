"""The commented example configuration written by ``gqlmon init``."""

EXAMPLE_CONFIG = """\
# gqlmon configuration. Every key is documented in the README ("Configuration").
# Secrets never live here: reference the environment as ${VAR} or with a `*_env` key.

state = "sqlite:///.gqlmon/state.db"   # or "postgresql://user@db-host/gqlmon" (shared by replicas)
reports_dir = "reports"                # reports/<target>/latest.{json,md,html} and dated copies
# public_url = "https://ci.example.com/gqlmon"   # where reports_dir is served: links in alerts
concurrency = 8                         # targets checked at once by `gqlmon check`
fail_on = "breaking"                    # exit code 1 from `check` on: breaking | dangerous | never

# `gqlmon run`, the long-lived scheduler:
# run_timeout = "5m"                    # a check taking longer is cancelled (nothing half-written)
# grace_period = "30s"                  # on SIGTERM, how long running checks may finish
# jitter = "10s"                        # random delay before each scheduled check (at most 10% of its interval)
# health_file = ".gqlmon/health.json"   # what `gqlmon healthcheck` reads
# metrics_port = 9464                   # serve /metrics (Prometheus) and /healthz
# `gqlmon mcp --http`: clients must send "Authorization: Bearer <token>" (required beyond loopback)
# mcp_token_env = "MONITOR_MCP_TOKEN"

# [slack]
# webhook_url = "${SLACK_WEBHOOK_URL}"  # an incoming webhook, or:
# bot_token = "${SLACK_BOT_TOKEN}"      # a bot token ...
# channel = "#api-changes"              # ... and a channel (details go in a thread)

# The bundled demo API (`python -m monitor.demo serve`): no authentication.
[[targets]]
name = "demo"
url = "http://127.0.0.1:8790/graphql"
schedule = "5m"                         # an interval (30s, 5m, 1h) or a cron expression
contracts = "contracts/demo"            # saved operations: *.graphql, persisted-query manifests
#   ... or globs over your code: contracts = ["src/**/*.{ts,tsx}", "scripts/**/*.py"]
# contracts_exclude = ["**/*.test.ts"]  # with globs: files to leave out
# Live contract tests (Schemathesis) at every check:
# [targets.live]
# enabled = true
# max_examples = 25                     # generated queries per root field
# operations = ["Query.*"]
# rate_limit = "5/s"
# timeout = "60s"
# replay_contracts = true               # also replay saved queries (variables in contracts/demo/variables/)
# alert_on_live_failures = false
# The saved queries as MCP tools of their own (demo_ListStacks, ...) in `gqlmon mcp`:
# [targets.mcp]
# expose_operations = true
# max_tools = 20                        # at most this many tools for this target

# A Spacelift-like API: an API key exchanged for a JWT by a mutation, refreshed before it expires.
# [[targets]]
# name = "spacelift"
# url = "https://example.app.spacelift.io/graphql"
# schedule = "*/15 * * * *"
# headers = { "User-Agent" = "gqlmon" }
# auth = { kind = "api_key_exchange", key_id_env = "SPACELIFT_API_KEY_ID", key_secret_env = "SPACELIFT_API_KEY_SECRET" }
# [targets.alert]
# on = "breaking"                       # breaking | dangerous | any
# only_used = false                     # alert only on changes that touch saved operations
# unreachable_after = 3                 # consecutive failed checks before "target unreachable"
# [targets.rules]
# ignore_descriptions = false
# deprecated_removal_days = 90          # removing what was deprecated 90+ days ago is dangerous, not breaking
# dangerous_is_breaking = false
# safe_unreachable = true               # changes to types no root reaches are safe

# GitHub: a personal access token.
# [[targets]]
# name = "github"
# url = "https://api.github.com/graphql"
# schedule = "1h"
# auth = { kind = "github", token_env = "GITHUB_TOKEN" }

# `gqlmon codegen`: the type of custom scalars in generated clients (default: str / string for
# date-time, URL and similar names, Any / unknown for the others).
# [codegen]
# python_scalars = { DateTime = "datetime.datetime" }
# typescript_scalars = { BigInt = "string" }

# Other auth kinds:
#   { kind = "bearer", token = "${API_TOKEN}" }                        Authorization: Bearer <token>
#   { kind = "oidc", token_file = "/var/run/secrets/tokens/gqlmon" }    a rotated identity token
#   { kind = "command", command = "spacectl profile export-token" }    whatever a command prints
"""
