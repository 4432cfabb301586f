import { readPackageVersion } from "../../_utils.js";
import { defaults } from "../../defaults.js";
import { UsageError } from "../../errors.js";
import { initSecrets, retireRecipient, type SecretsResult } from "../../secrets/init.js";
import { SOPS_AGE_SECRET, SOPS_CONFIG_FILE } from "../../secrets/sops-config.js";
import { escapeText } from "../../terminal-text.js";
import { commandHelp, parseCommand } from "../args.js";
import { secretsCommand } from "../flags.js";
import type { CliIo } from "../io.js";

const { name: secretName, namespace, dataKey } = SOPS_AGE_SECRET;

/** `kubectl` that creates the cluster's sops-age Secret from a key file (read on standard input). */
const createSecretCommand = (keyFile: string) => `kubectl create secret generic ${secretName} --from-file=${dataKey}=/dev/stdin -n ${namespace} < ${keyFile}`;

/** `kubectl` that replaces the Secret's keys: Flux imports every data key ending in .agekey, so it may hold several. */
function replaceSecretCommand(keyFiles: string[]): string {
  const files = keyFiles.map((file, i) => `--from-file=${i === 0 ? dataKey : `age-${i + 1}.agekey`}=${file}`).join(" ");
  return `kubectl create secret generic ${secretName} -n ${namespace} ${files} --dry-run=client -o yaml | kubectl apply -f -`;
}

/** `sops updatekeys` for each file whose recipients are not `.sops.yaml`'s any more. */
function updateKeysLines(result: SecretsResult): string {
  if (result.stale.length === 0) return "       (no file is encrypted yet: nothing to re-encrypt)\n";
  return result.stale.map((file) => `       sops updatekeys -y ${file.path}\n`).join("");
}

function initText(result: SecretsResult, tool: string): string {
  const keyWhere = result.keyText
    ? "The private key is on standard output, shown once and kept nowhere else: store it now (a password manager, or a 0600 file outside any repository such as ~/.config/sops/age/" +
      `${result.cluster}.agekey); sops needs it to edit the secrets (SOPS_AGE_KEY_FILE) and to rotate the key.`
    : result.keyFile
      ? `The private key is in ${result.keyFile} (0600), and nowhere else: keep a copy where your team keeps keys; sops needs it to edit the secrets (export SOPS_AGE_KEY_FILE=${result.keyFile}).`
      : "The private key is yours (--recipient): nothing secret was made here.";
  const keyFile = result.keyFile ?? (result.previous.length === 0 ? "<key file>" : "<new key file>");
  if (result.previous.length === 0) {
    return (
      `Wrote ${SOPS_CONFIG_FILE}: every YAML file below team/secrets/ and any *.sops.yaml is encrypted for ${result.recipient}, the age key of ${result.cluster}.\n` +
      `${keyWhere}\n` +
      "Next:\n" +
      `  git add ${SOPS_CONFIG_FILE} && git commit -m "SOPS: the age key of ${result.cluster}"\n` +
      `  # Flux decrypts with the private key of the Secret ${namespace}/${secretName}: create it before flux bootstrap (or now, if it has run)\n` +
      `  kubectl create namespace ${namespace} --dry-run=client -o yaml | kubectl apply -f -\n` +
      `  ${createSecretCommand(keyFile)}\n`
    );
  }
  return (
    `Added ${result.recipient} to ${SOPS_CONFIG_FILE}, beside ${result.previous.join(", ")}.\n` +
    `${keyWhere}\n` +
    "To finish the rotation:\n" +
    `  1. Re-encrypt each file for every key of ${SOPS_CONFIG_FILE} (sops needs a key that opens it now: SOPS_AGE_KEY_FILE=<old key file>):\n` +
    updateKeysLines(result) +
    `  2. Give the cluster the new key beside the old one, then commit and merge ${SOPS_CONFIG_FILE} and those files:\n` +
    `       ${replaceSecretCommand(["<old key file>", keyFile])}\n` +
    `  3. Retire the old key: npx ${tool} secrets retire ${result.previous[0]}, then sops updatekeys -y each file again, commit and merge.\n`
  );
}

function retireText(result: SecretsResult): string {
  return (
    `Removed ${result.recipient} from ${SOPS_CONFIG_FILE}; its recipients now: ${result.recipients.join(", ")}.\n` +
    "Next:\n" +
    `  1. Re-encrypt each file for the keys left (with a key that opens it now, SOPS_AGE_KEY_FILE=<key file>):\n` +
    updateKeysLines(result) +
    `  2. Commit and merge ${SOPS_CONFIG_FILE} and those files; then the cluster needs the new key only:\n` +
    `       ${replaceSecretCommand(["<new key file>"])}\n` +
    "  Whoever holds the retired key can still decrypt the values in the repository's history: if it leaked, change the values too (sops edit).\n"
  );
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(secretsCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(secretsCommand));
    return 0;
  }
  const [verb, ...rest] = positionals;
  const tool = `${defaults.toolName}@${readPackageVersion()}`;
  // `rotate` is `init --rotate` under the name a user looks for: the first step of a rotation, a new key beside the old.
  if (verb === "init" || verb === "rotate") {
    if (rest.length > 1) throw new UsageError(`secrets ${verb} takes one folder (got ${rest.length})`);
    if (verb === "rotate" && opts.rotate) throw new UsageError("secrets rotate is secrets init --rotate: leave out --rotate");
    const result = await initSecrets({ dir: rest[0] ?? ".", keyFile: opts["key-file"], recipient: opts.recipient, rotate: verb === "rotate" || (opts.rotate ?? false) });
    const text = escapeText(initText(result, tool));
    if (result.keyText) {
      // As age-keygen does: the key alone on standard output (it can be piped), everything else on standard error.
      io.stdout.write(result.keyText);
      io.stderr.write(text);
    } else io.stdout.write(text);
    return 0;
  }
  if (verb === "retire") {
    if (opts["key-file"] !== undefined || opts.recipient !== undefined || opts.rotate) throw new UsageError("secrets retire takes no --key-file, --recipient or --rotate");
    if (rest.length < 1 || rest.length > 2) throw new UsageError("expected `secrets retire <age1...> [dir]`");
    const result = await retireRecipient({ recipient: rest[0]!, dir: rest[1] ?? "." });
    io.stdout.write(escapeText(retireText(result)));
    return 0;
  }
  throw new UsageError("expected `secrets init [dir]`, `secrets rotate [dir]` or `secrets retire <age1...> [dir]`");
}
