/**
 * Credentials out of text that reaches output: error messages, `--verbose` causes and stacks, git's stderr, and
 * whatever a server answered (a proxy or a misconfigured forge can echo the request's Authorization header in an
 * error body). Each form is replaced by `***`:
 * - the known secrets, in every encoding they travel in (see {@link tokenForms});
 * - an `Authorization:` (or `Proxy-Authorization:`) header's credentials, whatever scheme and value;
 * - GitLab's token headers (`PRIVATE-TOKEN:`, `JOB-TOKEN:`), whatever value;
 * - user information in a URL (`https://x-access-token:…@host`) and a bare `x-access-token:…` or `oauth2:…`;
 * - anything shaped like a GitHub token (`ghp_…`, `github_pat_…`) or a GitLab token (`glpat-…`, `gldt-…`), known or not;
 * - an age private key (`AGE-SECRET-KEY-1…`), which `secrets init` makes: no error or cause may carry one out.
 */

const MASK = "***";

/**
 * The token as sent: itself, URL-encoded, and inside the Basic credentials git sends (`x-access-token:<token>` to
 * GitHub, `oauth2:<token>` to GitLab).
 */
export function tokenForms(token: string): string[] {
  if (token === "") return [];
  const basic = (user: string) => Buffer.from(`${user}:${token}`).toString("base64");
  return [token, encodeURIComponent(token), basic("x-access-token"), basic("oauth2"), Buffer.from(token).toString("base64")];
}

const HEADER = /(authorization["']?\s*[:=]\s*["']?)(?:(basic|bearer|token|digest)\s+)?[^\s"',;}\])>]+/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;
const GITLAB_HEADER = /((?:private|job)-token["']?\s*[:=]\s*["']?)[^\s"',;}\])>]+/gi;
const ACCESS_TOKEN_USER = /\b(x-access-token|oauth2):[^@\s"',;)]+/gi;
// GitHub's token formats: ghp_ (classic), gho_/ghu_/ghs_/ghr_ (OAuth, app user, app installation, refresh), github_pat_ (fine-grained).
const GITHUB_TOKEN_SHAPE = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g;
// GitLab's prefixed tokens: glpat- (personal, group and project access tokens), gldt- (deploy), glrt- (runner),
// glptt- (pipeline trigger), gloas- (OAuth application secret), glcbt- (CI/CD job), glimt-, glsoat-, glffct-...
const GITLAB_TOKEN_SHAPE = /\bgl[a-z]{2,6}-[A-Za-z0-9_.-]{20,}/g;
// age identities: X25519 (AGE-SECRET-KEY-1…) and post-quantum hybrid (AGE-SECRET-KEY-PQ-1…), bech32 upper case.
const AGE_IDENTITY_SHAPE = /\bAGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{20,}/g;

/** `text` with every known secret and every credential-shaped string replaced by `***`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so that a secret containing another is masked whole.
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  return out
    .replace(HEADER, (_match, name: string, scheme: string | undefined) => `${name}${scheme ? `${scheme} ` : ""}${MASK}`)
    .replace(URL_USERINFO, `$1${MASK}@`)
    .replace(GITLAB_HEADER, `$1${MASK}`)
    .replace(ACCESS_TOKEN_USER, `$1:${MASK}`)
    .replace(GITHUB_TOKEN_SHAPE, MASK)
    .replace(GITLAB_TOKEN_SHAPE, MASK)
    .replace(AGE_IDENTITY_SHAPE, MASK);
}

/** The secrets in `env` under `variables` (the forges' token variables), in every form they travel in. */
export function secretsInEnvironment(env: NodeJS.ProcessEnv, variables: readonly string[]): string[] {
  return variables.flatMap((name) => tokenForms(env[name] ?? ""));
}

/**
 * A copy of `error` safe to keep as a cause: same name, message and stack redacted, and none of the original's
 * other fields (an Octokit error carries the request, and the response body the server sent).
 */
export function redactedError(error: unknown, secrets: readonly string[]): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error), secrets));
  const copy = new Error(redact(error.message, secrets));
  copy.name = error.name;
  copy.stack = redact(error.stack ?? `${error.name}: ${error.message}`, secrets);
  return copy;
}
