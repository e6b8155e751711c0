"""The fixed part of a generated TypeScript client (Node 18+ or any runtime with ``fetch``): errors,
retries, authentication, the client. :mod:`monitor.codegen.typescript` fills in the constants and the
token source, then appends the types and one function per operation."""

from __future__ import annotations

ERRORS = """
/** Base of every error this module throws. */
export class ClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The environment lacks a setting (the URL, a credential). */
export class ConfigurationError extends ClientError {}

/** No token could be obtained, or the API refused a fresh one (HTTP 401). */
export class AuthenticationError extends ClientError {}

/** The request did not complete (connection refused, timeout) after the allowed retries. */
export class TransportError extends ClientError {}

/** The API answered with an HTTP error status (after the allowed retries). */
export class HTTPError extends ClientError {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: string,
  ) {
    super(`HTTP ${status} from ${url}${body ? `: ${body}` : ""}`);
  }
}

/** One entry of a response's `errors`: `path` is where in the result it happened. */
export interface GraphQLErrorDetail {
  message: string;
  path: ReadonlyArray<string | number>;
  locations: ReadonlyArray<{ line: number; column: number }>;
  extensions: Record<string, unknown>;
}

/** The response holds GraphQL errors; `data` is the partial result the API sent, if any. */
export class GraphQLErrors extends ClientError {
  constructor(
    readonly errors: GraphQLErrorDetail[],
    readonly data: Record<string, unknown> | null,
  ) {
    super(errors.slice(0, 5).map(describe).join("; ") + (errors.length > 5 ? " ..." : ""));
  }
}

/** The response is not a GraphQL result. */
export class ResponseFormatError extends ClientError {}

function describe(error: GraphQLErrorDetail): string {
  return error.path.length ? `${error.message} (at ${error.path.join(".")})` : error.message;
}
"""

HELPERS = """
function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigurationError(`set the environment variable ${name}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function details(errors: unknown): GraphQLErrorDetail[] {
  return (Array.isArray(errors) ? errors : [errors]).map((error): GraphQLErrorDetail => {
    const entry = isObject(error) ? error : { message: String(error) };
    const path = Array.isArray(entry.path) ? entry.path : [];
    const locations = Array.isArray(entry.locations) ? entry.locations : [];
    return {
      message: String(entry.message ?? "unknown error"),
      path: path.filter((p): p is string | number => typeof p === "string" || typeof p === "number"),
      locations: locations.filter(isObject).map((l) => ({ line: Number(l.line), column: Number(l.column) })),
      extensions: isObject(entry.extensions) ? entry.extensions : {},
    };
  });
}

/** A query is retried on 429 and 5xx; a mutation only when the API cannot have run it (429, 503). */
function retryable(status: number, mutation: boolean): boolean {
  return mutation ? status === 429 || status === 503 : status === 429 || [500, 502, 503, 504].includes(status);
}

/**
 * What `Retry-After` asks for (seconds or an HTTP date), else exponential backoff with jitter (ms);
 * null when the API asks for a longer wait than MAX_RETRY_AFTER_MS (the error is thrown then).
 */
function retryDelay(response: Response | null, attempt: number): number | null {
  const header = response?.headers.get("Retry-After");
  if (header) {
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    if (Number.isFinite(ms)) return ms <= MAX_RETRY_AFTER_MS ? Math.max(ms, 0) : null;
  }
  return Math.min(BACKOFF_MS * 2 ** attempt, MAX_RETRY_AFTER_MS) * (0.5 + Math.random() / 2);
}

async function result(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const errors = isObject(body) ? body.errors : undefined;
  const hasErrors = Array.isArray(errors) ? errors.length > 0 : Boolean(errors);
  if (response.status >= 400 && !hasErrors) throw new HTTPError(response.status, response.url, text.slice(0, 500));
  if (!isObject(body)) {
    throw new ResponseFormatError(`HTTP ${response.status} from ${response.url}: the body is not a JSON object`);
  }
  const data = isObject(body.data) ? body.data : null;
  if (hasErrors) throw new GraphQLErrors(details(errors), data);
  if (response.status >= 400) throw new HTTPError(response.status, response.url, text.slice(0, 500));
  if (data === null) throw new ResponseFormatError(`${response.url}: the response has no data`);
  return data;
}

function headers(token: string | null): Record<string, string> {
  const out: Record<string, string> = { "Content-Type": "application/json", ...PUBLIC_HEADERS };
  for (const [name, variable] of Object.entries(SECRET_HEADERS)) out[name] = env(variable);
  if (token !== null) out[AUTH_HEADER] = `${AUTH_SCHEME} ${token}`.trim();
  return out;
}
"""

EXCHANGE_HELPERS = """
function dig(data: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), data);
}

/** Milliseconds since the epoch from unix seconds, milliseconds or an ISO 8601 timestamp. */
function expiry(value: unknown): number | null {
  if (typeof value === "number") return value > 1e12 ? value : value * 1000;
  if (typeof value === "string" && value) {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}

async function exchange(fetcher: typeof fetch): Promise<[string, number]> {
  const response = await fetcher(EXCHANGE_URL, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query: EXCHANGE_DOCUMENT, variables: {VARIABLES} }),
  });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const data = isObject(body) ? body.data : undefined;
  const token = dig(data, TOKEN_PATH);
  if (response.status !== 200 || typeof token !== "string" || !token) {
    const errors = isObject(body) ? body.errors : undefined;
    const reason = errors ? details(errors).map(describe).join("; ") : `HTTP ${response.status}`;
    throw new AuthenticationError(`token exchange at ${EXCHANGE_URL} failed: ${reason}`);
  }
  const now = Date.now();
  const expires = (EXPIRES_PATH.length ? expiry(dig(data, EXPIRES_PATH)) : null) ?? now + TOKEN_TTL_MS;
  return [token, expires - Math.min(REFRESH_MARGIN_MS, 0.2 * Math.max(expires - now, 0))];
}
"""

COMMAND_HELPERS = """
async function runCommand(): Promise<[string, number]> {
  const { execFile } = await import("node:child_process");
  const token = await new Promise<string>((resolve, reject) => {
    execFile(COMMAND[0], COMMAND.slice(1), { timeout: COMMAND_TIMEOUT_MS }, (error, stdout) => {
      if (error) reject(new AuthenticationError(`token command ${COMMAND[0]} failed: ${error.message}`));
      else resolve(String(stdout).trim());
    });
  });
  if (!token) throw new AuthenticationError(`token command ${COMMAND[0]} printed no token`);
  return [token, Date.now() + TOKEN_TTL_MS];
}
"""

FILE_HELPERS = """
async function readTokenFile(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    return (await readFile(TOKEN_FILE, "utf8")).trim();
  } catch (error) {
    throw new AuthenticationError(`cannot read the token file ${TOKEN_FILE}: ${String(error)}`);
  }
}
"""

# Per authentication kind: the body of ``fetchToken`` (returns ``[token | null, refreshAt ms]``).
TOKEN_SOURCES: dict[str, str] = {
    "none": "return [null, Infinity];",
    "static": "return [env(TOKEN_ENV), Infinity];",
    "optional_static": "return [process.env[TOKEN_ENV] || null, Infinity];",
    "file": "return [await readTokenFile(), 0]; // re-read for every request: the platform rotates it",
    "command": "return runCommand();",
    "exchange": "return exchange(this.fetcher);",
}

CLIENT = """
export interface ClientOptions {
  /** Default: $URL_ENV, then the URL the client was generated for. */
  url?: string;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
  timeoutMs?: number;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Keeps the current token (replaced before it expires and once after HTTP 401), retries 429 and 5xx
 * answers as `Retry-After` says, and throws `ClientError` subclasses.
 */
export class Client {
  readonly url: string;
  private readonly fetcher: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private token: string | null = null;
  private refreshAt = 0;

  constructor(options: ClientOptions = {}) {
    const url = options.url ?? process.env[URL_ENV] ?? DEFAULT_URL;
    if (!url) throw new ConfigurationError(`pass { url } or set the environment variable ${URL_ENV}`);
    this.url = url;
    this.fetcher = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? MAX_RETRIES;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private async fetchToken(): Promise<[string | null, number]> {
    {SOURCE}
  }

  private async credentials(fresh: boolean): Promise<Record<string, string>> {
    if (fresh || Date.now() >= this.refreshAt) [this.token, this.refreshAt] = await this.fetchToken();
    return headers(this.token);
  }

  /** POST one operation; its `data`, or the typed error. */
  async execute<T>(document: string, variables: object, operationName: string, mutation = false): Promise<T> {
    const body = JSON.stringify({ query: document, variables, operationName });
    let attempt = 0;
    let fresh = false;
    let refreshed = false;
    for (;;) {
      const requestHeaders = await this.credentials(fresh);
      fresh = false;
      let response: Response;
      try {
        response = await this.fetcher(this.url, {
          method: "POST",
          headers: requestHeaders,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        if (attempt < this.maxRetries && !mutation) {
          await this.sleep(retryDelay(null, attempt++) ?? 0);
          continue;
        }
        throw new TransportError(`${this.url}: ${String(error)}`);
      }
      if (response.status === 401) {
        if (REFRESHABLE && !refreshed) {
          // expired or revoked early: one fresh token, one retry
          fresh = refreshed = true;
          continue;
        }
        throw new AuthenticationError(`${this.url} refused the credentials (HTTP 401)`);
      }
      const delay = retryDelay(response, attempt);
      if (retryable(response.status, mutation) && attempt < this.maxRetries && delay !== null) {
        attempt += 1;
        await this.sleep(delay);
        continue;
      }
      return (await result(response)) as T;
    }
  }
}
"""
