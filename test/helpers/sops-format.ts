/**
 * SOPS's file format for Kubernetes Secrets, with age, for tests: sops itself is neither on npm nor in Debian, so the
 * encrypted document is built here as sops 3.x writes it (getsops/sops: aes/cipher.go, sops.go Tree.Encrypt,
 * age/keysource.go), with a real age implementation (age-encryption) for the data key:
 * - a random 32-byte data key, encrypted for each recipient with age, ASCII-armored, in `sops.age[].enc`;
 * - each value under `data`/`stringData` (encrypted_regex ^(data|stringData)$) as
 *   `ENC[AES256_GCM,data:…,iv:…,tag:…,type:str]`: AES-256-GCM, a 32-byte IV, the value's path joined by ":" plus ":"
 *   as additional data;
 * - `sops.mac`: SHA-512 of the values, hex in upper case, encrypted the same way with `lastmodified` as additional data.
 * `updateKeys` does what `sops updatekeys` does: decrypts the data key with an identity and encrypts it again for
 * the recipients the `.sops.yaml` rule now lists.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { armor, Decrypter, Encrypter } from "age-encryption";
import { parse, stringify } from "yaml";

const VALUE = /^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:(.+)\]$/;

function encryptValue(plain: string, key: Uint8Array, additionalData: string): string {
  const iv = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(additionalData));
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${cipher.getAuthTag().toString("base64")},type:str]`;
}

function decryptValue(value: string, key: Uint8Array, additionalData: string): string {
  const match = VALUE.exec(value);
  if (!match) throw new Error(`not a SOPS value: ${value}`);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(match[2]!, "base64"));
  decipher.setAAD(Buffer.from(additionalData));
  decipher.setAuthTag(Buffer.from(match[3]!, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(match[1]!, "base64")), decipher.final()]).toString("utf8");
}

async function wrapDataKey(dataKey: Uint8Array, recipients: readonly string[]) {
  const entries = [];
  for (const recipient of recipients) {
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    entries.push({ recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) });
  }
  return entries;
}

/** The data key of a SOPS document, with the first of its age entries `identity` opens. */
export async function unwrapDataKey(document: Record<string, any>, identity: string): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  for (const entry of document.sops.age as Array<{ enc: string }>) {
    try {
      return await decrypter.decrypt(armor.decode(entry.enc));
    } catch {
      // not this recipient's entry
    }
  }
  throw new Error("no age entry of the document opens with this identity");
}

const SECTIONS = ["data", "stringData"] as const;

/** A Secret as `sops -e` writes it, for `recipients` (a `.sops.yaml` rule's age keys). */
export async function sopsEncryptSecret(secret: Record<string, any>, recipients: readonly string[], lastModified = new Date("2026-12-01T00:00:00Z")): Promise<string> {
  const dataKey = randomBytes(32);
  const hash = createHash("sha512");
  const encrypted: Record<string, any> = { ...secret };
  for (const section of SECTIONS) {
    if (!secret[section]) continue;
    encrypted[section] = Object.fromEntries(
      Object.entries(secret[section] as Record<string, string>).map(([name, value]) => {
        hash.update(value);
        return [name, encryptValue(value, dataKey, `${section}:${name}:`)];
      }),
    );
  }
  const lastmodified = lastModified.toISOString().replace(/\.\d{3}Z$/, "Z");
  encrypted.sops = {
    age: await wrapDataKey(dataKey, recipients),
    lastmodified,
    mac: encryptValue(hash.digest("hex").toUpperCase(), dataKey, lastmodified),
    encrypted_regex: "^(data|stringData)$",
    version: "3.13.2",
  };
  return stringify(encrypted, { indent: 4 });
}

/** The Secret as kustomize-controller applies it: values decrypted, MAC checked, `sops` dropped. */
export async function sopsDecryptSecret(text: string, identity: string): Promise<Record<string, any>> {
  const document = parse(text) as Record<string, any>;
  const dataKey = await unwrapDataKey(document, identity);
  const hash = createHash("sha512");
  const { sops, ...plain } = document;
  for (const section of SECTIONS) {
    if (!plain[section]) continue;
    plain[section] = Object.fromEntries(
      Object.entries(plain[section] as Record<string, string>).map(([name, value]) => {
        const decrypted = decryptValue(value, dataKey, `${section}:${name}:`);
        hash.update(decrypted);
        return [name, decrypted];
      }),
    );
  }
  if (decryptValue(sops.mac, dataKey, sops.lastmodified) !== hash.digest("hex").toUpperCase()) throw new Error("MAC mismatch");
  return plain;
}

/** `sops updatekeys -y`: the same data key, encrypted for `recipients` now (opened with `identity`). */
export async function sopsUpdateKeys(text: string, identity: string, recipients: readonly string[]): Promise<string> {
  const document = parse(text) as Record<string, any>;
  const dataKey = await unwrapDataKey(document, identity);
  document.sops.age = await wrapDataKey(dataKey, recipients);
  return stringify(document, { indent: 4 });
}
