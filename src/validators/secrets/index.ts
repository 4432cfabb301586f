/**
 * The secrets rule family of `validate`: no secret in plain text in the repository. On where the repository declares
 * it (a generated repository's answers file records the `secrets` parameter), or with `--refuse-plaintext-secrets`:
 * - `secrets-plaintext-secret`: a Secret whose `data`/`stringData` values are in the file as they are applied: not
 *   encrypted with SOPS, not a Flux `${VAR}` substitution. ExternalSecrets, SealedSecrets and SOPS files hold none;
 * - `secrets-token`, `secrets-private-key`: a credential of a known shape (patterns.ts) in any manifest, Terraform,
 *   workflow or other YAML/JSON file of the repository;
 * - `secrets-high-entropy-env`: a container `env` value that looks generated (patterns.ts, looksLikeSecretValue).
 * A deliberate case is allowed by `--allow <rule|path>`, or by a `create-cluster-repo: allow <rule>` comment on the
 * line or the line above. Nothing here runs or decodes more than base64.
 */
import ignore from "ignore";
import { defaults } from "../../defaults.js";
import { loadYamlDocument } from "../../yaml/load.js";
import { LineLocator, parseDocuments } from "../kubernetes/documents.js";
import { isSopsDocument } from "../kubernetes/unchecked-values.js";
import { podTemplatePath } from "../pod-security/index.js";
import type { Problem, UnitResult } from "../types.js";
import { CREDENTIAL_SHAPES, looksLikeSecretValue } from "./patterns.js";

export const SECRETS_RULES = ["secrets-plaintext-secret", "secrets-token", "secrets-private-key", "secrets-high-entropy-env"] as const;
export type SecretsRule = (typeof SECRETS_RULES)[number];

export interface SecretsOptions {
  /** Check whatever the repository declares. @default only where its answers file records `secrets` */
  refuse?: boolean;
  /** Rules (`secrets-token`) and paths (gitignore patterns: `test/fixtures/`, `*.pem`) the rules leave alone. */
  allow?: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Whether the files declare that secrets must not be in plain text: an answers file at their root that records the
 * `secrets` parameter (every render since the parameter exists; `update` adds it to older ones).
 */
export function declaresSecretsPolicy(read: (path: string) => string | undefined): boolean {
  const text = read(defaults.answersFile);
  if (text === undefined) return false;
  try {
    // The tool's own front end: the answers file (written by `yaml`) reads back the same in YAML 1.2's core schema,
    // mostly through the common-subset reader, without the first-use cost of a second parser.
    const answers: unknown = loadYamlDocument(text);
    return isObject(answers) && answers.tool === defaults.toolName && isObject(answers.params) && typeof answers.params.secrets === "string";
  } catch {
    return false; // an unreadable answers file is reported by the commands that read it, not here
  }
}

/** Files the text patterns read: manifests, Terraform and any other YAML or JSON the repository holds. */
const SCANNED = /\.(ya?ml|json|tf|tfvars)$/;
/** SOPS's own settings hold recipients (public keys) only. */
const NOT_SCANNED = new Set([".sops.yaml", "package-lock.json"]);

const ALLOW_COMMENT = /create-cluster-repo:\s*allow\s+([\w-]+)/;

export interface SecretsScanInput {
  paths: readonly string[];
  read(path: string): string | undefined;
  /** Which paths hold Kubernetes manifests (their Secrets and pod templates are read). */
  isManifest(path: string): boolean;
}

/** Runs the rules over the files; one invalid unit per file with findings, and one unit that says what was checked. */
export function validateSecrets(input: SecretsScanInput, options: SecretsOptions = {}): UnitResult[] {
  const allowedRules = new Set((options.allow ?? []).filter((entry) => (SECRETS_RULES as readonly string[]).includes(entry)));
  const allowedPaths = ignore().add((options.allow ?? []).filter((entry) => !allowedRules.has(entry)));
  const results: UnitResult[] = [];
  let scanned = 0;
  for (const path of input.paths) {
    if (!SCANNED.test(path) || NOT_SCANNED.has(path) || allowedPaths.ignores(path)) continue;
    const text = input.read(path);
    if (text === undefined) continue; // unreadable: the other validators report it
    scanned++;
    const lines = text.split("\n");
    const allowedHere = (problem: Problem) => {
      if (allowedRules.has(problem.rule)) return true;
      const line = problem.line ?? 0;
      return [lines[line - 1], lines[line - 2]].some((candidate) => ALLOW_COMMENT.exec(candidate ?? "")?.[1] === problem.rule);
    };
    const problems = [...credentialProblems(path, lines), ...(input.isManifest(path) && /\.(ya?ml|json)$/.test(path) ? manifestProblems(path, text) : [])].filter((problem) => !allowedHere(problem));
    if (problems.length > 0) results.push({ file: path, validator: "secrets", status: "invalid", label: `secrets in ${path}`, problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) });
  }
  results.push({ file: ".", validator: "secrets", status: "valid", label: `no plaintext secret in the other ${scanned - results.length} files`, problems: [] });
  return results;
}

function credentialProblems(path: string, lines: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  lines.forEach((line, index) => {
    for (const shape of CREDENTIAL_SHAPES) {
      if (!shape.pattern.test(line)) continue;
      problems.push({ file: path, line: index + 1, rule: shape.rule, message: `${shape.name} in plain text: ${shape.fix}`, severity: "error" });
      break;
    }
  });
  return problems;
}

/** A Secret's value as it reaches the API server without any decryption or substitution, or undefined. */
function plaintextValue(section: "data" | "stringData", value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (/^ENC\[[A-Z0-9_]+,data:/.test(value) || /(?<!\$)\$\{/.test(value) || value.includes("{{")) return undefined;
  if (section === "data" && Buffer.from(value, "base64").length === 0) return undefined;
  return value;
}

const SECTIONS = ["data", "stringData"] as const;

/** The keys named in a message: the first few, then how many more (a Secret may hold thousands). */
function namesOf(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((key) => JSON.stringify(key)).join(", ");
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}

/** A line that makes a document a Secret (YAML block or flow style, JSON): not ExternalSecret, SealedSecret... */
const SECRET_KIND = /(?:^|[\s{,])["']?kind["']?\s*:\s*["']?Secret["']?\s*(?:$|[,}])/m;
/** An env value long enough and of the characters a generated secret has (see looksLikeSecretValue). */
const ENV_CANDIDATE = /\bvalue["']?\s*:\s*["']?[A-Za-z0-9+/=_-]{16,}/;

function manifestProblems(path: string, text: string): Problem[] {
  // Parsed only when a line could make a finding: a second parse of every file would cost as much as the schema pass.
  if (!SECRET_KIND.test(text) && !ENV_CANDIDATE.test(text)) return [];
  const documents = parseDocuments(text, false);
  const locator = new LineLocator(text, documents);
  const problems: Problem[] = [];
  for (const document of documents) {
    const object = document.data;
    if (document.failure || !isObject(object) || isSopsDocument(object)) continue;
    const name = isObject(object.metadata) && typeof object.metadata.name === "string" ? object.metadata.name : "(unnamed)";
    if (object.kind === "Secret" && object.apiVersion === "v1") {
      for (const section of SECTIONS) {
        const values = object[section];
        if (!isObject(values)) continue;
        const plain = Object.keys(values).filter((key) => plaintextValue(section, values[key]) !== undefined);
        if (plain.length === 0) continue;
        problems.push({
          file: path,
          line: locator.fieldLine(document.index, [section, plain[0]!]),
          resource: `Secret ${name}`,
          rule: "secrets-plaintext-secret",
          path: section,
          message: `${section} holds ${namesOf(plain)} in plain text (base64 is no encryption): encrypt the file with SOPS (sops -e -i ${path}, with .sops.yaml from create-cluster-repo secrets init), or create the Secret outside Git (External Secrets, or kubectl) and remove it here`,
          severity: "error",
        });
      }
    }
    problems.push(...envProblems(path, object, name, document.index, locator));
  }
  return problems;
}

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

function envProblems(path: string, object: Json, name: string, index: number, locator: LineLocator): Problem[] {
  const templatePath = podTemplatePath(object);
  if (!templatePath) return [];
  let template: unknown = object;
  for (const segment of templatePath) template = isObject(template) ? template[segment as string] : undefined;
  const spec = isObject(template) && isObject(template.spec) ? template.spec : undefined;
  if (!spec) return [];
  const problems: Problem[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = Array.isArray(spec[list]) ? spec[list] : [];
    containers.forEach((container: unknown, c: number) => {
      if (!isObject(container) || !Array.isArray(container.env)) return;
      container.env.forEach((variable: unknown, e: number) => {
        if (!isObject(variable) || typeof variable.name !== "string" || typeof variable.value !== "string") return;
        if (!looksLikeSecretValue(variable.name, variable.value)) return;
        problems.push({
          file: path,
          line: locator.fieldLine(index, [...templatePath, "spec", list, c, "env", e, "value"]),
          resource: `${String(object.kind)} ${name}`,
          rule: "secrets-high-entropy-env",
          path: `${[...templatePath, "spec", list].join(".")}[${c}].env[${e}]`,
          message: `env ${variable.name} looks like a secret written in (a generated value): put it in a Secret (encrypted with SOPS, or created outside Git) and read it with valueFrom.secretKeyRef`,
          severity: "error",
        });
      });
    });
  }
  return problems;
}
