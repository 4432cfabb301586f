/**
 * An npm registry on 127.0.0.1 serving exactly the production dependencies that package-lock.json pins, with their
 * tarballs read from the local npm cache (filled by the project's own `npm install`) by the integrity the lockfile
 * records. `npm install <tarball>` into an empty folder then resolves the package's dependency ranges as it would
 * against the public registry, offline. Packages the cache lacks are answered 404 and listed in `missing`.
 *
 *   const registry = await startLockRegistry({ lockfile, cache });   // http://127.0.0.1:PORT/
 *   npm install --registry registry.url --cache <empty dir> ../create-cluster-repo-0.1.0.tgz
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";

const cacache = createRequire(import.meta.url)("cacache") as { get: { byDigest(cache: string, integrity: string): Promise<Buffer> } };

interface LockEntry {
  name?: string;
  version: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  [field: string]: unknown;
}

/** Manifest fields npm reads from a packument version when it builds the tree. */
const MANIFEST_FIELDS = ["dependencies", "optionalDependencies", "peerDependencies", "peerDependenciesMeta", "bin", "engines", "os", "cpu", "license", "deprecated"];

export interface LockRegistry {
  url: string;
  /** `name@version` of tarballs requested but absent from the cache. */
  readonly missing: string[];
  /** Every request, `METHOD path status`. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

/** A package the registry also serves, published from a tarball (`npm pack`): what a release puts on the registry. */
export interface PublishedTarball {
  /** Path of the .tgz. */
  tarball: string;
  /** Its package.json. */
  manifest: { name: string; version: string; [field: string]: unknown };
}

export async function startLockRegistry(options: { lockfile: string; cache: string; publish?: PublishedTarball[]; requireToken?: string }): Promise<LockRegistry> {
  const lock = JSON.parse(readFileSync(options.lockfile, "utf8")) as { packages: Record<string, LockEntry> };
  const versions = new Map<string, Map<string, LockEntry>>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.dev || !entry.integrity || entry.link) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    if (!versions.has(name)) versions.set(name, new Map());
    versions.get(name)!.set(entry.version, entry);
  }
  const published = new Map<string, PublishedTarball & { data: Buffer; integrity: string }>();
  for (const release of options.publish ?? []) {
    const data = readFileSync(release.tarball);
    const integrity = `sha512-${createHash("sha512").update(data).digest("base64")}`;
    published.set(`${release.manifest.name}@${release.manifest.version}`, { ...release, data, integrity });
    if (!versions.has(release.manifest.name)) versions.set(release.manifest.name, new Map());
    versions.get(release.manifest.name)!.set(release.manifest.version, { ...release.manifest, integrity } as LockEntry);
  }
  const missing: string[] = [];
  const log: string[] = [];
  let base = "";

  const tarballPath = (name: string, version: string) => `/${name}/-/${name.split("/").pop()}-${version}.tgz`;
  const packument = (name: string) => {
    const byVersion = versions.get(name)!;
    const sorted = [...byVersion.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    return {
      name,
      "dist-tags": { latest: sorted[sorted.length - 1] },
      versions: Object.fromEntries(
        [...byVersion].map(([version, entry]) => [
          version,
          {
            name,
            version,
            ...Object.fromEntries(MANIFEST_FIELDS.filter((field) => entry[field] !== undefined).map((field) => [field, entry[field]])),
            dist: { tarball: `${base}${tarballPath(name, version)}`, integrity: entry.integrity },
          },
        ]),
      ),
    };
  };

  const server = http.createServer(async (req, res) => {
    res.on("finish", () => log.push(`${req.method} ${req.url} ${res.statusCode}`));
    // A private registry: no token, no answer (npm reports E401).
    if (options.requireToken && req.headers.authorization !== `Bearer ${options.requireToken}`) {
      return void res.writeHead(401, { "Content-Type": "application/json", "WWW-Authenticate": 'Bearer realm="npm"' }).end('{"error":"authentication required"}');
    }
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    const tarball = /^\/((?:@[^/]+\/)?[^/@]+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    try {
      if (tarball) {
        const release = published.get(`${tarball[1]}@${tarball[2]}`);
        if (release) return void res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": release.data.length }).end(release.data);
        const entry = versions.get(tarball[1]!)?.get(tarball[2]!);
        if (!entry) return void res.writeHead(404).end();
        const data = await cacache.get.byDigest(options.cache, entry.integrity!).catch(() => undefined);
        if (!data) {
          missing.push(`${tarball[1]}@${tarball[2]}`);
          return void res.writeHead(404).end();
        }
        return void res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": data.length }).end(data);
      }
      const name = path.slice(1);
      if (!versions.has(name)) return void res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":"not found"}');
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(packument(name)));
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/`,
    missing,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
