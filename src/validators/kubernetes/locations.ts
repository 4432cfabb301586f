import { createHash, randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { InputFileError, readInputFile } from "../../read-input.js";
import type { JsonSchema } from "./embedded.js";
import { CacheBudget, readTrustedFile, schemaCacheFolder, touchCacheFile } from "./private-cache.js";

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

/** A DNS-1035 label (a CRD's version; a kind, lower-cased, as the API server checks `spec.names.kind`). */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A DNS-1123 subdomain (an API group). */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `apiVersion` and `kind` are not names the API server accepts, if they are not: group a DNS subdomain, version a
 * DNS label, kind a DNS label once lower-cased. Only such names go into a location template, so a manifest cannot
 * steer the lookup with `../`, `?`, `#` or `%2F`.
 */
export function resourceTypeProblem(apiVersion: string, kind: string): string | undefined {
  const parts = apiVersion.split("/");
  const [group, version] = parts.length === 2 ? parts : ["", parts[0] ?? ""];
  const shown = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  if (parts.length > 2 || (parts.length === 2 && !DNS_SUBDOMAIN.test(group!)) || !DNS_LABEL.test(version!)) {
    return `apiVersion ${shown(apiVersion)} is not an API group and version Kubernetes accepts (group: a DNS subdomain such as apps.example.com; version: a DNS label such as v1beta1)`;
  }
  if (!DNS_LABEL.test(kind.toLowerCase())) return `kind ${shown(kind)} is not a kind name Kubernetes accepts (letters, digits and "-", starting with a letter, at most 63)`;
  return undefined;
}

/**
 * The address of the schema for `apiVersion`/`kind` at a location template, or a SchemaLoadError when the names are
 * not Kubernetes names or the address would leave the template's base: the fixed text before its first variable, up
 * to its last "/" (same scheme, host and port for a URL; the same folder or below it for a path).
 */
export function resolveTemplate(template: string, apiVersion: string, kind: string, kubernetesVersion: string, strict: boolean): string {
  const problem = resourceTypeProblem(apiVersion, kind);
  if (problem) throw new SchemaLoadError(`${problem}; not looked up in schema location ${template}`);
  const address = expandTemplate(template, apiVersion, kind, kubernetesVersion, strict);
  const fixed = template.split("{{")[0] ?? "";
  const base = fixed.slice(0, fixed.lastIndexOf("/") + 1);
  if (!isUnder(address, base)) throw new SchemaLoadError(`schema address ${address} leaves the base ${base || "."} of schema location ${template}; not looked up`);
  return address;
}

function isUnder(address: string, base: string): boolean {
  if (/^https?:\/\//i.test(address)) {
    let url: URL;
    let root: URL;
    try {
      url = new URL(address);
      root = new URL(base);
    } catch {
      return false;
    }
    // `..` segments are resolved by URL; a variable's value holds no "?", "#" or "%" (see resourceTypeProblem).
    return url.origin === root.origin && url.pathname.startsWith(root.pathname);
  }
  const path = (text: string) => resolve(text.startsWith("file://") ? fileURLToPath(text) : text);
  const folder = base === "" || base === "file://" ? process.cwd() : path(base);
  const target = path(address);
  return target === folder || target.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

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
  // Read only from a folder nobody else can write to (see private-cache.ts); it is created when a schema is stored.
  const folder = cacheDir ? schemaCacheFolder(cacheDir, false) : undefined;
  const name = `${createHash("sha256").update(url).digest("hex")}.json`;
  let damaged: string | undefined;
  if (folder) {
    const cacheFile = join(folder, name);
    const cached = readTrustedFile(cacheFile, MAX_SCHEMA_BYTES);
    if (cached !== undefined) {
      try {
        const schema = parseSchema(cached.toString("utf8"), `cached schema ${cacheFile}`);
        void touchCacheFile(cacheFile);
        return schema;
      } catch (error) {
        damaged = ` (its cached copy ${cacheFile} was damaged: ${(error as Error).message})`; // fetched again below
      }
    }
  }
  const text = await fetchText(url, damaged ?? "");
  if (text === undefined) return undefined;
  const schema = parseSchema(text, `schema ${url}${damaged ?? ""}`);
  if (cacheDir) await storeAtomically(cacheDir, name, text, url);
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

const budgets = new Map<string, CacheBudget>();

/** Private (0600), within the folder's size bound (MAX_CACHE_BYTES: the least recently used schemas go first). */
async function storeAtomically(cacheDir: string, name: string, text: string, url: string): Promise<void> {
  const folder = schemaCacheFolder(cacheDir)!;
  const cacheFile = join(folder, name);
  const temp = `${cacheFile}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  let budget = budgets.get(folder);
  if (!budget) budgets.set(folder, (budget = new CacheBudget(folder)));
  try {
    if (!(await budget.reserve(Buffer.byteLength(text)))) return;
    await writeFile(temp, text, { flag: "wx", mode: 0o600 });
    await rename(temp, cacheFile);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new SchemaLoadError(`cannot write the schema cache file ${cacheFile} (for ${url}): ${(error as Error).message}; check --cache-dir`);
  }
}
