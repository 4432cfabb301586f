import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JsonSchema } from "./embedded.js";

/** Where schemas are looked up, in order, as kubeconform's `-schema-location` flags. */
export type SchemaLocation = { kind: "embedded" } | { kind: "template"; template: string };

/** kubeconform's layout below a folder or URL given without a file name. */
const FOLDER_LAYOUT = "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";

/** "default" is the embedded set; a value not ending in "json" is a folder in kubeconform's layout (as kubeconform). */
export function parseLocation(location: string): SchemaLocation {
  if (location === "default") return { kind: "embedded" };
  if (location.endsWith("json")) return { kind: "template", template: location };
  return { kind: "template", template: `${location.replace(/\/+$/, "")}/${FOLDER_LAYOUT}` };
}

/** Fills a location template with kubeconform's variables (Go template syntax, `{{ .Name }}`). */
export function expandTemplate(template: string, apiVersion: string, kind: string, kubernetesVersion: string, strict: boolean): string {
  const parts = apiVersion.split("/");
  const groupPart = parts[0] ?? "";
  let kindSuffix = `-${(groupPart.split(".")[0] ?? "").toLowerCase()}`;
  if (parts.length > 1) kindSuffix += `-${(parts[1] ?? "").toLowerCase()}`;
  const values: Record<string, string> = {
    NormalizedKubernetesVersion: kubernetesVersion === "master" ? "master" : `v${kubernetesVersion.replace(/^v/, "")}`,
    StrictSuffix: strict ? "-strict" : "",
    ResourceKind: kind.toLowerCase(),
    ResourceAPIVersion: parts[parts.length - 1] ?? "",
    Group: groupPart,
    KindSuffix: kindSuffix,
  };
  return template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Thrown when a location exists but cannot be read (HTTP 500, unreadable JSON): kubeconform reports an error. */
export class SchemaLoadError extends Error {}

/**
 * Reads one schema from a local path or an http(s) URL. `undefined` means "not there" (missing file, HTTP 404), so
 * the next location is tried. HTTP answers are kept in `cacheDir` (when given) and read from there afterwards.
 */
export async function loadSchema(address: string, cacheDir: string | undefined): Promise<JsonSchema | undefined> {
  const text = /^https?:\/\//.test(address) ? await fetchCached(address, cacheDir) : await readLocal(address);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as JsonSchema;
  } catch (error) {
    throw new SchemaLoadError(`schema ${address} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readLocal(path: string): Promise<string | undefined> {
  try {
    return await readFile(path.startsWith("file://") ? new URL(path) : path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new SchemaLoadError(`cannot read schema ${path}: ${(error as Error).message}`);
  }
}

/** A schema server that does not answer within this time is reported, not waited for forever. */
const FETCH_TIMEOUT_MS = 30_000;

async function fetchCached(url: string, cacheDir: string | undefined): Promise<string | undefined> {
  const cacheFile = cacheDir ? join(cacheDir, `${createHash("sha256").update(url).digest("hex")}.json`) : undefined;
  if (cacheFile) {
    const cached = await readLocal(cacheFile);
    if (cached !== undefined) return cached;
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw new SchemaLoadError(`cannot fetch schema ${url}: ${(error as Error).message}`);
  }
  if (response.status === 404) return undefined;
  if (!response.ok) throw new SchemaLoadError(`cannot fetch schema ${url}: HTTP ${response.status}`);
  const text = await response.text();
  if (cacheFile && cacheDir) {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(cacheFile, text);
  }
  return text;
}
