/**
 * `.sops.yaml` of a generated repository: which files hold secrets, the rule that encrypts them for the cluster's age
 * key, and the checks `secrets init` makes on one someone wrote. SOPS reads `creation_rules` in order and takes the
 * first rule whose `path_regex` (Go RE2, unanchored) matches the file's path relative to `.sops.yaml`'s folder
 * (getsops/sops config/config.go, parseCreationRuleForFile): the same semantics here, through re2js.
 */
import { RE2JS } from "re2js";
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from "yaml";
import { InputError } from "../errors.js";

/** The Secret Flux's Kustomizations read the age key from: its data keys ending in `.agekey` are age identities. */
export const SOPS_AGE_SECRET = { name: "sops-age", namespace: "flux-system", dataKey: "age.agekey" } as const;

export const SOPS_CONFIG_FILE = ".sops.yaml";

/** Where a generated repository keeps its encrypted Secrets: applied, decrypted, by the Flux Kustomization `secrets`. */
export const SECRETS_DIR = "team/secrets";

/**
 * The files that hold secrets: every YAML file below team/secrets/, and any `*.sops.yaml` (a Secret kept beside its
 * app under team/apps/).
 */
export const SECRET_FILES_REGEX = "^(team/secrets/.+|.+\\.sops)\\.ya?ml$";

/** Paths that stand for those files when a `.sops.yaml` someone wrote is checked. */
export const SAMPLE_SECRET_FILES = [`${SECRETS_DIR}/example.yaml`, "team/apps/example/example.sops.yaml"];

/** Only the values of a Secret are encrypted: kind, names and namespaces stay readable for Flux, validate and review. */
const ENCRYPTED_REGEX = "^(data|stringData)$";

export interface SopsRule {
  /** 0-based position in creation_rules (the first match wins). */
  index: number;
  line: number;
  pathRegex: string;
  /** The age recipients of the rule (SOPS takes a comma-separated string or a list). */
  age: string[];
}

/** A `.sops.yaml` as `secrets init` writes it. */
export function sopsConfigText(cluster: string, recipients: readonly string[]): string {
  return `# SOPS settings of this repository, written by create-cluster-repo secrets init. Run sops from the repository's
# root (sops -e -i team/secrets/<name>.yaml): it takes the first rule whose path_regex matches the file.
creation_rules:
  # The Secrets of the cluster ${cluster}: every YAML file below team/secrets/ and any *.sops.yaml, encrypted for
  # its age key (the private key is in the cluster's ${SOPS_AGE_SECRET.namespace}/${SOPS_AGE_SECRET.name} Secret, and with whoever edits secrets).
  # Only data and stringData are encrypted: kind, names and namespaces stay readable.
  - path_regex: ${SECRET_FILES_REGEX}
    encrypted_regex: ${ENCRYPTED_REGEX}
    age: ${recipients.join(",")}
`;
}

function splitKeys(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  return items.map((item) => String(item).trim()).filter(Boolean);
}

/** The parsed file with its rules; errors name the file and line and exit 2. */
export function parseSopsConfig(text: string, file = SOPS_CONFIG_FILE): { document: Document; rules: SopsRule[] } {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    throw new InputError(`${file}:${error.linePos?.[0]?.line ?? 1}: not valid YAML (${error.message.split("\n")[0]}); fix it, or move it away and run secrets init again`);
  }
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : text.slice(0, offset).split("\n").length);
  const rules = document.get("creation_rules", true);
  if (!isSeq(rules)) throw new InputError(`${file}: no creation_rules list: SOPS would refuse every file ("no matching creation rules found"); move it away and run secrets init again`);
  return {
    document,
    rules: rules.items.map((item, index) => {
      if (!isMap(item)) throw new InputError(`${file}:${lineOf((item as { range?: [number] } | null)?.range?.[0])}: creation_rules[${index}] is not a mapping`);
      const rule = item.toJSON() as Record<string, unknown>;
      return { index, line: lineOf(item.range?.[0]), pathRegex: typeof rule.path_regex === "string" ? rule.path_regex : "", age: splitKeys(rule.age) };
    }),
  };
}

/** The rule SOPS takes for `path`: the first with no path_regex or one that matches. */
export function ruleFor(rules: readonly SopsRule[], path: string, file = SOPS_CONFIG_FILE): SopsRule | undefined {
  return rules.find((rule) => {
    if (rule.pathRegex === "") return true;
    try {
      return RE2JS.compile(rule.pathRegex).test(path);
    } catch (error) {
      throw new InputError(`${file}:${rule.line}: path_regex ${JSON.stringify(rule.pathRegex)} is not a regular expression SOPS can compile (${(error as Error).message})`);
    }
  });
}

/**
 * Why `.sops.yaml` does not cover the files that hold secrets (the sample paths and the repository's encrypted
 * files): no rule matches one (SOPS refuses it), or the rule that does has no age recipient (Flux could not decrypt).
 */
export function coverageProblems(rules: readonly SopsRule[], files: readonly string[], file = SOPS_CONFIG_FILE): string[] {
  const problems: string[] = [];
  for (const path of files) {
    const rule = ruleFor(rules, path, file);
    if (!rule) problems.push(`no creation rule matches ${path}: sops -e refuses it ("no matching creation rules found"); add a rule with path_regex ${SECRET_FILES_REGEX} first`);
    else if (rule.age.length === 0) problems.push(`${path} matches creation_rules[${rule.index}] (line ${rule.line}), which has no age recipient: Flux decrypts with an age key only here; add age: <recipient> to that rule`);
  }
  return problems;
}

/** The rules that encrypt any of `files`: where a recipient is added or retired. */
export function rulesFor(rules: readonly SopsRule[], files: readonly string[], file = SOPS_CONFIG_FILE): SopsRule[] {
  const found = new Set<SopsRule>();
  for (const path of files) {
    const rule = ruleFor(rules, path, file);
    if (rule) found.add(rule);
  }
  return [...found].sort((a, b) => a.index - b.index);
}

/** Sets the age recipients of the rules at `indexes`, keeping the file's comments and other keys. */
export function withRecipients(document: Document, edits: ReadonlyMap<number, readonly string[]>): string {
  const rules = document.get("creation_rules", true);
  if (!isSeq(rules)) throw new Error("creation_rules is not a list");
  for (const [index, recipients] of edits) {
    const rule = rules.items[index] as YAMLMap;
    const current = rule.get("age", true);
    // A list stays a list; a string (SOPS's older form, and ours) stays one comma-separated string.
    rule.set("age", isSeq(current) ? document.createNode([...recipients]) : recipients.join(","));
    if (isScalar(current) && current.comment) (rule.get("age", true) as { comment?: string }).comment = current.comment;
  }
  return document.toString({ lineWidth: 0 });
}
