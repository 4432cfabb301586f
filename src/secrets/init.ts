/**
 * `secrets init` and `secrets retire`: the age key of a repository rendered with `secrets=sops`, and its `.sops.yaml`.
 * The private key never enters the work tree: it is returned once for the caller to print, or written to a file the
 * user names outside any git work tree (0600, never over an existing file, as `age-keygen -o` does).
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, realpathSync, renameSync, writeSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { parseAnswersFile } from "../generator/answers.js";
import { InputFileError, readInputFile } from "../read-input.js";
import { ageKeyFileText, checkAgeRecipient, generateAgeKeyPair } from "./age-key.js";
import { encryptedFiles, type EncryptedFile } from "./encrypted-files.js";
import { coverageProblems, parseSopsConfig, rulesFor, SAMPLE_SECRET_FILES, sopsConfigText, SOPS_CONFIG_FILE, withRecipients } from "./sops-config.js";

export interface SecretsInitOptions {
  /** The repository (its root, where cluster-repo.yaml is). */
  dir: string;
  /** An age public key of the user's own instead of a new key pair (nothing secret is then made or shown). */
  recipient?: string;
  /** Where to write the new private key, outside any git work tree; relative to the working directory. */
  keyFile?: string;
  /** Add a new recipient to an existing `.sops.yaml` (rotation), instead of refusing to replace it. */
  rotate?: boolean;
  /** @default now */
  now?: Date;
}

export interface SecretsResult {
  cluster: string;
  /** The recipient added (init) or removed (retire). */
  recipient: string;
  /** The recipients of the rules that encrypt team/secrets/ afterwards. */
  recipients: string[];
  /** The new key file's text, when the key was made here and no `keyFile` was given: shown once, kept nowhere. */
  keyText?: string;
  /** The key file written, as an absolute path. */
  keyFile?: string;
  /** Encrypted files whose recipients differ from `.sops.yaml`'s now: each needs `sops updatekeys -y`. */
  stale: EncryptedFile[];
  /** The recipients `.sops.yaml` listed before (rotate, retire). */
  previous: string[];
}

/** The cluster of a repository rendered with secrets=sops; exit 2 for any other folder. */
function sopsRepository(dir: string): string {
  const file = join(dir, defaults.answersFile);
  let text: string;
  try {
    text = readInputFile(file, { name: defaults.answersFile, noFollow: true });
  } catch (error) {
    if (error instanceof InputFileError && !existsSync(file)) {
      throw new InputError(`${dir}: no ${defaults.answersFile} here: run secrets init at the root of a repository ${defaults.toolName} rendered with --set secrets=sops`);
    }
    throw new InputError(`${defaults.answersFile}: ${(error as Error).message}`);
  }
  const answers = parseAnswersFile(text);
  const secrets = answers.params.secrets ?? "external-secrets";
  if (secrets !== "sops") {
    throw new InputError(
      `${defaults.answersFile}: secrets is ${JSON.stringify(secrets)}, so nothing in this repository decrypts SOPS files; switch first with \`${defaults.toolName} update --set secrets=sops\` (Flux only), merge it, then run secrets init`,
    );
  }
  return String(answers.params.clusterName);
}

/** The nearest folder at or above `path` that exists, resolved through symbolic links. */
function existingAncestor(path: string): string {
  let current = path;
  while (!existsSync(current)) current = dirname(current);
  return realpathSync(current);
}

/** The git work tree `folder` is in (a `.git` folder or file at or above it), if any. */
function workTreeOf(folder: string): string | undefined {
  for (let current = folder; ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return current;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * The key file's absolute path, checked before any key exists: outside the repository and any other git work tree
 * (a key there is one `git add -A` away from being published), not an existing file.
 */
function checkKeyFile(keyFile: string, repository: string): string {
  const path = resolve(keyFile);
  const ancestor = existingAncestor(dirname(path));
  const inside = (root: string) => ancestor === root || ancestor.startsWith(root + sep);
  if (inside(realpathSync(repository))) {
    throw new InputError(`--key-file ${keyFile}: inside the repository, where a private key could be committed; name a path outside it, e.g. ~/.config/sops/age/<cluster>.agekey`);
  }
  const workTree = workTreeOf(ancestor);
  if (workTree) {
    throw new InputError(`--key-file ${keyFile}: inside the git work tree ${workTree}, where a private key could be committed; name a path outside any repository, e.g. ~/.config/sops/age/<cluster>.agekey`);
  }
  if (existsSync(path) || isSymlink(path)) {
    throw new InputError(`--key-file ${keyFile}: a file is already there; it is never overwritten (it may hold a key still in use): name a new file`);
  }
  return path;
}

const isSymlink = (path: string) => {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
};

/** Writes the key file: new folders 0700, the file 0600 and created exclusively (never over another file). */
function writeKeyFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, "wx", 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `.sops.yaml` whole: a temp file beside it, renamed over it. */
function writeSopsConfig(dir: string, text: string): void {
  const path = join(dir, SOPS_CONFIG_FILE);
  const temp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  // Never through a link or over a file someone left at that name.
  writeFileSync(temp, text, { mode: 0o644, flag: "wx" });
  renameSync(temp, path);
}

function readSopsConfig(dir: string): string | undefined {
  const path = join(dir, SOPS_CONFIG_FILE);
  if (!existsSync(path) && !isSymlink(path)) return undefined;
  try {
    return readInputFile(path, { name: SOPS_CONFIG_FILE, noFollow: true });
  } catch (error) {
    throw new InputError(`${SOPS_CONFIG_FILE}: ${(error as Error).message}`);
  }
}

/** The files that must be covered: the sample paths and every encrypted file of the repository. */
function secretFiles(encrypted: readonly EncryptedFile[]): string[] {
  return [...new Set([...SAMPLE_SECRET_FILES, ...encrypted.map((file) => file.path)])];
}

/** Files whose recipients are not those of the rule SOPS now applies to them. */
function staleFiles(encrypted: readonly EncryptedFile[], recipientsOf: (path: string) => string[] | undefined): EncryptedFile[] {
  return encrypted.filter((file) => {
    const wanted = recipientsOf(file.path);
    return wanted !== undefined && (wanted.length !== file.recipients.length || wanted.some((recipient) => !file.recipients.includes(recipient)));
  });
}

/** The checked `.sops.yaml` of a repository: exit 2 when it does not cover the files that hold secrets. */
function coveredConfig(text: string, encrypted: readonly EncryptedFile[]) {
  const { document, rules } = parseSopsConfig(text);
  const problems = coverageProblems(rules, secretFiles(encrypted));
  if (problems.length > 0) throw new InputError(`${SOPS_CONFIG_FILE} does not cover the files that hold secrets:`, problems);
  return { document, rules, covering: rulesFor(rules, secretFiles(encrypted)) };
}

export async function initSecrets(options: SecretsInitOptions): Promise<SecretsResult> {
  const dir = resolve(options.dir);
  const cluster = sopsRepository(dir);
  if (options.recipient !== undefined && options.keyFile !== undefined) {
    throw new InputError("--recipient and --key-file: give one; with --recipient the key is yours and nothing secret is made here");
  }
  const keyFile = options.keyFile === undefined ? undefined : checkKeyFile(options.keyFile, dir);
  const recipient = options.recipient === undefined ? undefined : checkAgeRecipient(options.recipient, "--recipient");
  const existing = readSopsConfig(dir);
  if (existing !== undefined && !options.rotate) {
    throw new InputError(
      `${SOPS_CONFIG_FILE} already exists: this repository has its age key. To replace the key, rotate it: secrets rotate (init --rotate) adds a new recipient, then sops updatekeys re-encrypts each file, then secrets retire <old recipient> (README.md, "Secrets")`,
    );
  }
  if (existing === undefined && options.rotate) {
    throw new InputError(`--rotate: no ${SOPS_CONFIG_FILE} here, so there is no key to rotate; run secrets init without --rotate`);
  }
  const encrypted = encryptedFiles(dir);
  const config = existing === undefined ? undefined : coveredConfig(existing, encrypted);

  // Checks are done: only now is a key made, and the key file written before .sops.yaml names its recipient.
  const pair = recipient === undefined ? await generateAgeKeyPair() : undefined;
  const added = recipient ?? pair!.recipient;
  const previous = [...new Set(config?.covering.flatMap((rule) => rule.age) ?? [])];
  if (previous.includes(added)) throw new InputError(`--recipient ${added}: ${SOPS_CONFIG_FILE} lists it already; rotation needs a new key`);
  const keyText = pair ? ageKeyFileText(pair, options.now ?? new Date()) : undefined;
  if (keyFile && keyText) writeKeyFile(keyFile, keyText);

  let recipientsOf: (path: string) => string[] | undefined;
  if (!config) {
    writeSopsConfig(dir, sopsConfigText(cluster, [added]));
    recipientsOf = () => [added];
  } else {
    const edits = new Map(config.covering.map((rule) => [rule.index, [...rule.age, added]] as const));
    writeSopsConfig(dir, withRecipients(config.document, edits));
    const after = parseSopsConfig(readSopsConfig(dir)!).rules;
    recipientsOf = (path) => rulesFor(after, [path])[0]?.age;
  }
  return {
    cluster,
    recipient: added,
    recipients: [...previous, added],
    keyText: keyFile ? undefined : keyText,
    keyFile,
    stale: staleFiles(encrypted, recipientsOf),
    previous,
  };
}

export interface SecretsRetireOptions {
  dir: string;
  /** The recipient to remove from `.sops.yaml`. */
  recipient: string;
}

/** Removes a recipient from the rules that encrypt the repository's secrets (the end of a rotation). */
export async function retireRecipient(options: SecretsRetireOptions): Promise<SecretsResult> {
  const dir = resolve(options.dir);
  const cluster = sopsRepository(dir);
  const recipient = checkAgeRecipient(options.recipient, "secrets retire");
  const existing = readSopsConfig(dir);
  if (existing === undefined) throw new InputError(`secrets retire: no ${SOPS_CONFIG_FILE} here; run secrets init first`);
  const encrypted = encryptedFiles(dir);
  const config = coveredConfig(existing, encrypted);
  const previous = [...new Set(config.covering.flatMap((rule) => rule.age))];
  if (!previous.includes(recipient)) {
    throw new InputError(`secrets retire: ${recipient} is not a recipient of ${SOPS_CONFIG_FILE} (its recipients: ${previous.join(", ")})`);
  }
  const left = config.covering.filter((rule) => rule.age.length === 1 && rule.age[0] === recipient);
  if (left.length > 0) {
    throw new InputError(`secrets retire: ${recipient} is the only recipient of creation_rules[${left[0]!.index}] (line ${left[0]!.line}); nothing could decrypt the files it covers. Add the new key first: secrets rotate (init --rotate)`);
  }
  const edits = new Map(config.covering.map((rule) => [rule.index, rule.age.filter((key) => key !== recipient)] as const));
  writeSopsConfig(dir, withRecipients(config.document, edits));
  const after = parseSopsConfig(readSopsConfig(dir)!).rules;
  const recipientsOf = (path: string) => rulesFor(after, [path])[0]?.age;
  return {
    cluster,
    recipient,
    recipients: previous.filter((key) => key !== recipient),
    stale: staleFiles(encrypted, recipientsOf),
    previous,
  };
}
