import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputFileError, readInputFile } from "../../read-input.js";
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
 * the next location is tried. HTTP answers that are JSON objects are kept in `cacheDir` (when given) and read from
 * there afterwards.
 */
export async function loadSchema(address: string, cacheDir: string | undefined): Promise<JsonSchema | undefined> {
  if (/^https?:\/\//.test(address)) return fetchCached(address, cacheDir);
  const text = await readLocal(address);
  return text === undefined ? undefined : parseSchema(text, `schema ${address}`);
}

/** A schema's text as a JSON object, or a SchemaLoadError that says whose text it was. */
function parseSchema(text: string, what: string): JsonSchema {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SchemaLoadError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new SchemaLoadError(`${what} is not a JSON schema (not a JSON object)`);
  return data as JsonSchema;
}

/** A local schema: within the size limit, and only a regular file (a FIFO in a schema folder must not block). */
async function readLocal(path: string): Promise<string | undefined> {
  try {
    return readInputFile(path.startsWith("file://") ? fileURLToPath(path) : path, { name: path, maxBytes: MAX_SCHEMA_BYTES });
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    if (error.reason === "missing") return undefined;
    throw new SchemaLoadError(`cannot read schema ${error.message}`);
  }
}

/** A schema server that does not answer within this time is reported, not waited for forever. */
const FETCH_TIMEOUT_MS = 30_000;
/** The largest schema body read; Kubernetes' and CRDs' schemas are far smaller. An endless body stops here. */
export const MAX_SCHEMA_BYTES = 64 * 1024 * 1024;

/**
 * A schema from the cache, else fetched. Only a body that parses as a JSON object is stored (a captive portal's
 * HTML answered with 200 must not become a schema for ever), and it is stored atomically (a temp file renamed
 * into place), so a cache file is always a whole schema. A cache file that does not parse is fetched again and
 * replaced; errors name it.
 */
async function fetchCached(url: string, cacheDir: string | undefined): Promise<JsonSchema | undefined> {
  const cacheFile = cacheDir ? join(cacheDir, `${createHash("sha256").update(url).digest("hex")}.json`) : undefined;
  let damaged: string | undefined;
  if (cacheFile) {
    const cached = await readLocal(cacheFile);
    if (cached !== undefined) {
      try {
        return parseSchema(cached, `cached schema ${cacheFile}`);
      } catch (error) {
        damaged = (error as Error).message; // fetched again below
      }
    }
  }
  const fromCache = damaged ? ` (its cached copy ${cacheFile} was damaged: ${damaged})` : "";
  const text = await fetchText(url, fromCache);
  if (text === undefined) return undefined;
  const schema = parseSchema(text, `schema ${url}${fromCache}`);
  if (cacheFile && cacheDir) await storeAtomically(cacheDir, cacheFile, text, url);
  return schema;
}

/** The body of `url` (at most MAX_SCHEMA_BYTES), `undefined` for a 404. */
async function fetchText(url: string, note: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SchemaLoadError(`cannot fetch schema ${url}: HTTP ${response.status}${note}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body?.getReader();
    for (let next = await reader?.read(); next && !next.done; next = await reader!.read()) {
      size += next.value.byteLength;
      if (size > MAX_SCHEMA_BYTES) {
        await reader!.cancel().catch(() => undefined);
        throw new SchemaLoadError(`schema ${url} is larger than ${MAX_SCHEMA_BYTES / 1024 / 1024} MiB; not read further (not a schema?)${note}`);
      }
      chunks.push(next.value);
    }
    return Buffer.concat(chunks).toString("utf8");
  } catch (error) {
    if (error instanceof SchemaLoadError) throw error;
    throw new SchemaLoadError(`cannot fetch schema ${url}: ${(error as Error).message}${note}`);
  }
}

async function storeAtomically(cacheDir: string, cacheFile: string, text: string, url: string): Promise<void> {
  const temp = `${cacheFile}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(temp, text, { flag: "wx" });
    await rename(temp, cacheFile);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new SchemaLoadError(`cannot write the schema cache file ${cacheFile} (for ${url}): ${(error as Error).message}; check --cache-dir`);
  }
}
