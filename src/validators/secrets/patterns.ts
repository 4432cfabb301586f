/**
 * Shapes of credentials that are credentials wherever they appear: issued with a fixed prefix by their service, or
 * a private key's armor. Each is specific enough that a match in a manifest or a Terraform file is a leak, not a
 * coincidence (no bare UUID or hex string: those are IDs everywhere). One entry per shape; the rule id is what
 * `--allow` and the report name.
 *
 * Sources of the shapes: GitHub "About authentication to GitHub" (token prefixes ghp_, gho_, ghu_, ghs_, ghr_,
 * github_pat_); GitLab "Token overview" (glpat-, gldt-, glrt-, glptt-, gloas-, glcbt-, glimt-, glsoat-, glffct-,
 * glagent-); AWS IAM "Unique identifiers" (access key IDs AKIA…/ASIA…); Slack "Token types" (xoxb-, xoxp-, xoxa-,
 * xoxr-, xoxs-, xapp-) and incoming webhook URLs; Scaleway IAM API keys (access key SCW + 17 upper-case letters or
 * digits, secret key a UUID); age (AGE-SECRET-KEY-1…); RFC 7468 PEM labels of private keys.
 */
export interface CredentialShape {
  rule: "secrets-token" | "secrets-private-key";
  /** What it is, for the message: "a GitHub token". */
  name: string;
  pattern: RegExp;
  /** Where such a value belongs instead. */
  fix: string;
}

const TOKEN_FIX = "move it to a Secret created outside Git (or encrypted with SOPS), revoke it, and issue a new one: it is in the repository's history now";

export const CREDENTIAL_SHAPES: readonly CredentialShape[] = [
  { rule: "secrets-token", name: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b/, fix: TOKEN_FIX },
  { rule: "secrets-token", name: "a GitLab token", pattern: /\b(?:glpat|gldt|glrt|glptt|gloas|glcbt|glimt|glsoat|glffct|glagent)-[A-Za-z0-9_-]{20,}/, fix: TOKEN_FIX },
  { rule: "secrets-token", name: "an AWS access key ID", pattern: /\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/, fix: TOKEN_FIX },
  { rule: "secrets-token", name: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}/, fix: TOKEN_FIX },
  { rule: "secrets-token", name: "a Slack webhook URL", pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]{16,}/, fix: TOKEN_FIX },
  { rule: "secrets-token", name: "a Scaleway access key", pattern: /\bSCW[A-Z0-9]{17}\b/, fix: TOKEN_FIX },
  {
    rule: "secrets-token",
    name: "a Scaleway secret key",
    // A UUID is an ID anywhere else: only the secret key's own names make it one.
    pattern: /\b(?:SCW_SECRET_KEY|secret_key|secretKey)["']?\s*[:=]\s*["']?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i,
    fix: TOKEN_FIX,
  },
  { rule: "secrets-private-key", name: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, fix: "keep private keys out of Git: in a Secret created outside it (or encrypted with SOPS), and replace this key: it is in the repository's history now" },
  { rule: "secrets-private-key", name: "an age private key", pattern: /\bAGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{20,}/, fix: "an age private key opens every secret encrypted for it: remove it, rotate the key (create-cluster-repo secrets rotate) and re-encrypt the secrets" },
];

/** Shannon entropy of a string, in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** An environment variable whose name says it holds a secret. */
const SECRET_NAME = /pass(word|wd)?|secret|token|api_?key|private_?key|credential|auth/i;

/**
 * Whether an `env` value looks like a secret written in: random-looking (mixed case and digits, at least 4.3 bits a
 * character over 20 characters or more, as generated keys and tokens are), or, under a name that says secret,
 * anything but a word (16 characters or more, 3 bits a character: `openssl rand -hex` output). Never a reference:
 * URLs, paths, image references, `${VAR}` and `{{ }}` templates are no values.
 */
export function looksLikeSecretValue(name: string, value: string): boolean {
  if (value.length < 16 || /\s/.test(value) || /\$\{|\{\{|:\/\/|^\//.test(value) || /^ENC\[/.test(value)) return false;
  if (!/^[A-Za-z0-9+/=_-]+$/.test(value)) return false;
  if (SECRET_NAME.test(name)) return entropy(value) >= 3;
  return value.length >= 20 && /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value) && entropy(value) >= 4.3;
}
