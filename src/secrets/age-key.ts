/**
 * age keys for SOPS, through `age-encryption` (FiloSottile/typage, BSD-3-Clause): the TypeScript implementation by
 * age's author, which reads and writes the same keys and files as the `age` CLI and the Go library SOPS and Flux's
 * kustomize-controller link.
 */
import { Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { InputError } from "../errors.js";

export interface AgeKeyPair {
  /** The private key, `AGE-SECRET-KEY-1…`: never written into a repository. */
  identity: string;
  /** The public key, `age1…`: what `.sops.yaml` lists. */
  recipient: string;
}

/**
 * A new X25519 key pair. Not the post-quantum hybrid kind (`age1pq1…`): SOPS 3.13 and Flux 2.9 read it, but the
 * `age` CLI of Debian and Ubuntu (1.1) and older SOPS releases do not, and a key nobody's tools can read locks the
 * secrets away.
 */
export async function generateAgeKeyPair(): Promise<AgeKeyPair> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The key file as `age-keygen` writes it (what SOPS_AGE_KEY_FILE and the cluster's `age.agekey` hold). */
export function ageKeyFileText(pair: AgeKeyPair, created: Date): string {
  return `# created: ${created.toISOString().replace(/\.\d{3}Z$/, "Z")}\n# public key: ${pair.recipient}\n${pair.identity}\n`;
}

/**
 * Checks a recipient given by the user (`--recipient age1…`) as age parses it: bech32 with its checksum, a known
 * type. Exit 2 with age's own reason otherwise. Returns it trimmed.
 */
export function checkAgeRecipient(value: string, where: string): string {
  const recipient = value.trim();
  // Never echoed: a private key given by mistake must not reach a terminal log or a CI log.
  if (/^AGE-SECRET-KEY-/i.test(recipient)) {
    throw new InputError(`${where}: that is an age private key (AGE-SECRET-KEY-…), not a recipient: give its public key (age-keygen -y <key file> prints it), and replace the key if the command line was shared or logged`);
  }
  if (!recipient.startsWith("age1")) {
    throw new InputError(`${where}: ${JSON.stringify(recipient)} is not an age recipient: give a public key starting with age1, as \`age-keygen -y <key file>\` prints it`);
  }
  try {
    new Encrypter().addRecipient(recipient);
  } catch (error) {
    throw new InputError(`${where}: ${JSON.stringify(recipient)} is not a valid age recipient (${(error as Error).message}); copy the public key again: age-keygen -y <key file> prints it`);
  }
  return recipient;
}
