import { statSync } from "node:fs";
import { InputError } from "../errors.js";
import { nonRegularFileDetail } from "../read-input.js";

/**
 * What a path named on the command line is. Checked before anything is validated: a FIFO would block the run and a
 * link to /dev/zero read without end, so anything but a regular file (or a folder, where `folders` allows one) is
 * refused with exit 2. A folder walk skips such files on its own.
 */
export function namedInput(path: string, options: { flag?: string; folders?: boolean } = {}): "file" | "directory" {
  const name = options.flag ? `${options.flag} ${path}` : path;
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new InputError(`${name}: no such file or directory`);
  }
  if (stats.isDirectory() && options.folders !== false) return "directory";
  const problem = nonRegularFileDetail(path, stats);
  if (problem) throw new InputError(`${name}: ${problem}; name a regular file${options.folders === false ? "" : " or a folder"}`);
  return "file";
}

/**
 * A local `--schema-location` that exists must be a folder or a regular file (URLs, templates and "default" are not
 * paths; one that does not exist yet is left to the lookup, which reports missing schemas).
 */
export function checkSchemaLocation(location: string): void {
  if (location === "default" || /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || location.includes("{{")) return;
  let exists = true;
  try {
    statSync(location);
  } catch {
    exists = false;
  }
  if (exists) namedInput(location, { flag: "--schema-location" });
}
