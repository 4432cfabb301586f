/**
 * Values in a manifest that only the engine applying it can know: a Flux post-build variable (`${CLUSTER_DOMAIN}`,
 * `${STORAGE_CLASS:=local-path}`), substituted by kustomize-controller after the build, and a value SOPS encrypted
 * (`ENC[AES256_GCM,data:...,type:int]`), decrypted when applied. A schema problem at such a value says nothing about
 * what reaches the API server: it is named "not checked" instead of being reported. Every other field of the
 * resource is still checked.
 */

/**
 * A Flux variable expression (fluxcd/pkg envsubst: `${` then a name of letters, digits and `_`, or `#` for a length);
 * `$${` is Flux's escape for a literal `${`, which is no variable.
 */
const VARIABLE = /(?<!\$)\$\{#?([\p{L}\p{N}_]+)/gu;
/** What SOPS writes in place of an encrypted value. */
const ENCRYPTED = /^ENC\[[A-Z0-9_]+,data:/;

/** The Flux variables a string uses, by name (sorted, once each). */
export function variablesIn(value: string): string[] {
  if (!value.includes("${")) return [];
  return [...new Set([...value.matchAll(VARIABLE)].map((match) => match[1]!))].sort();
}

/** Why a value cannot be checked until an engine applies it, or undefined. */
export type UncheckedValue = { variables: string[] } | { encrypted: true };

export function uncheckedValue(value: unknown): UncheckedValue | undefined {
  if (typeof value !== "string") return undefined;
  if (ENCRYPTED.test(value)) return { encrypted: true };
  const variables = variablesIn(value);
  return variables.length > 0 ? { variables } : undefined;
}

/**
 * Whether a document is SOPS-encrypted: SOPS adds a top-level `sops` mapping with the message authentication code
 * and the keys. kustomize-controller (`decryption.provider: sops`), ksops and helm-secrets decrypt the document and
 * drop that key before anything is applied.
 */
export function isSopsDocument(object: Record<string, unknown>): boolean {
  const metadata = object.sops;
  return typeof metadata === "object" && metadata !== null && !Array.isArray(metadata) && ("mac" in metadata || "lastmodified" in metadata);
}

/** The document as it is applied: without SOPS's metadata. */
export function withoutSops(object: Record<string, unknown>): Record<string, unknown> {
  if (!isSopsDocument(object)) return object;
  const { sops: _metadata, ...applied } = object;
  return applied;
}

/** How masked fields are described: variables that no engine in view substitutes, and encrypted values. */
export interface UncheckedReasons {
  /** Why these variables cannot be resolved here. @default nothing in the checked files substitutes them */
  variables?: (names: string[]) => string;
}

/** The "not checked" reason of a resource whose only problems were at unchecked values. */
export function uncheckedReason(found: UncheckedValue[], reasons: UncheckedReasons = {}): string {
  const names = [...new Set(found.flatMap((value) => ("variables" in value ? value.variables : [])))].sort();
  const parts: string[] = [];
  if (names.length > 0) {
    parts.push(reasons.variables?.(names) ?? `fields set by post-build variables no Flux Kustomization of these files substitutes (${names.map((name) => `\${${name}}`).join(", ")}): not checked`);
  }
  if (found.some((value) => "encrypted" in value)) parts.push("fields encrypted with SOPS, decrypted only when applied: not checked");
  return parts.join("; ");
}
