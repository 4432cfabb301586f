/** The SOPS-encrypted files of a repository on disk, with the age recipients each was encrypted for. */
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { readInputFile } from "../read-input.js";
import { walkFiles } from "../validators/walk.js";

export interface EncryptedFile {
  path: string;
  /** The `sops.age[].recipient`s of its documents: who can decrypt it as committed. */
  recipients: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The recipients of one file's SOPS metadata, or undefined when no document of it is SOPS-encrypted. */
export function sopsRecipients(text: string): string[] | undefined {
  // Only files that can hold SOPS metadata are parsed.
  if (!/^sops:|"sops"\s*:/m.test(text)) return undefined;
  let found: string[] | undefined;
  for (const document of parseAllDocuments(text)) {
    if (!("toJS" in document) || document.errors.length > 0) continue;
    const data: unknown = document.toJS();
    const metadata = isObject(data) ? data.sops : undefined;
    if (!isObject(metadata) || !("mac" in metadata || "lastmodified" in metadata)) continue;
    found ??= [];
    for (const entry of Array.isArray(metadata.age) ? metadata.age : []) {
      if (isObject(entry) && typeof entry.recipient === "string" && !found.includes(entry.recipient)) found.push(entry.recipient);
    }
  }
  return found;
}

/** Every SOPS-encrypted YAML or JSON file below `root` (git-ignored files and .git/ left out), sorted. */
export function encryptedFiles(root: string): EncryptedFile[] {
  const files: EncryptedFile[] = [];
  for (const path of walkFiles(root)) {
    if (!/\.(ya?ml|json)$/.test(path) || path === ".sops.yaml") continue;
    let text: string;
    try {
      text = readInputFile(join(root, path));
    } catch {
      continue; // unreadable or too large: not one of the small files SOPS writes
    }
    const recipients = sopsRecipients(text);
    if (recipients) files.push({ path, recipients });
  }
  return files;
}
