import { UsageError } from "./errors.js";

/**
 * How long a network operation (a GitHub API request, a git push or fetch) may go without an answer before it is
 * abandoned with exit 1. Generous enough for a slow link: a request that makes progress is never cut short.
 */
export const DEFAULT_NETWORK_TIMEOUT_SECONDS = 60;

/** The environment variable that sets the timeout when the flag does not. */
export const NETWORK_TIMEOUT_VARIABLE = "CCR_NETWORK_TIMEOUT";

/** How to change the timeout, for messages. */
export const NETWORK_TIMEOUT_HINT = `raise it with --network-timeout <seconds> (or ${NETWORK_TIMEOUT_VARIABLE})`;

/**
 * The network timeout in milliseconds: `--network-timeout` (seconds), else `CCR_NETWORK_TIMEOUT`, else the default.
 * @throws UsageError for a value that is not a positive number of seconds.
 */
export function networkTimeoutMs(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const [source, raw] = flag !== undefined ? ["--network-timeout", flag] : env[NETWORK_TIMEOUT_VARIABLE] ? [NETWORK_TIMEOUT_VARIABLE, env[NETWORK_TIMEOUT_VARIABLE]!] : [undefined, undefined];
  if (raw === undefined) return DEFAULT_NETWORK_TIMEOUT_SECONDS * 1000;
  const seconds = /^\d{1,6}(\.\d{1,3})?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!(seconds > 0)) throw new UsageError(`${source} must be a number of seconds greater than 0, such as 60 (got ${JSON.stringify(raw)})`);
  return Math.round(seconds * 1000);
}
