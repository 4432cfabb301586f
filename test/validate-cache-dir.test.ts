/**
 * `--cache-dir`: schemas fetched over HTTP are kept on disk and read from there on later runs. A schema server on
 * the loopback interface counts the requests it gets.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnCli, tempDir } from "./helpers/cli.js";

const SCHEMA = {
  type: "object",
  required: ["apiVersion", "kind", "metadata"],
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    data: { type: "object", additionalProperties: { type: "string" } },
  },
};

describe("validate --cache-dir with an HTTP schema location", () => {
  const dir = tempDir("ccr-cache-");
  const requests: string[] = [];
  let server: Server;
  let location = "";

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url ?? "");
      if (request.url === "/schemas/configmap.json") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(SCHEMA));
      } else if (request.url?.startsWith("/portal/")) {
        // A captive portal: 200 and a login page, for any URL.
        response.writeHead(200, { "content-type": "text/html" }).end("<html><body>Please log in to the Wi-Fi</body></html>");
      } else if (request.url?.startsWith("/endless/")) {
        // A body that never ends: written as fast as it is read, until the client goes away.
        response.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
          if (!response.destroyed) response.once("drain", pump);
        };
        response.on("close", () => response.destroy());
        pump();
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/schemas/{{.ResourceKind}}.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const valid = join(dir, "valid.yaml");
  const invalid = join(dir, "invalid.yaml");
  writeFileSync(valid, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {key: value}\n");
  writeFileSync(invalid, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  key: 3\n");

  test("the first run fetches the schema once and keeps it; later runs read it from the cache", async () => {
    const cache = join(dir, "cache");
    const first = await spawnCli(["validate", "--schema-location", location, "--cache-dir", cache, valid, invalid]);
    expect(first.stdout).toMatch(/Valid: 1, Invalid: 1/);
    expect(first.status).toBe(1);
    expect(requests).toEqual(["/schemas/configmap.json"]);
    expect(readdirSync(cache)).toHaveLength(1);

    const second = await spawnCli(["validate", "--schema-location", location, "--cache-dir", cache, "-o", "json", invalid]);
    expect(requests).toHaveLength(1);
    const report = JSON.parse(second.stdout) as { problems: { line: number; rule: string }[] };
    // The cached schema is really used: the same verdict, at the line of the offending value.
    expect(report.problems).toEqual([expect.objectContaining({ line: 5, rule: "k8s-schema" })]);
    expect(second.status).toBe(1);
  });

  test("without --cache-dir the cache lives under $XDG_CACHE_HOME/create-cluster-repo", async () => {
    const xdg = join(dir, "xdg");
    const before = requests.length;
    const env = { XDG_CACHE_HOME: xdg };
    expect((await spawnCli(["validate", "--schema-location", location, valid], { env })).status).toBe(0);
    expect(requests.length).toBe(before + 1);
    expect(readdirSync(join(xdg, "create-cluster-repo", "schemas"))).toHaveLength(1);
    expect((await spawnCli(["validate", "--schema-location", location, valid], { env })).status).toBe(0);
    expect(requests.length).toBe(before + 1);
  });

  test("a captive portal's 200 page is an error naming the URL, and nothing is cached", async () => {
    const cache = join(dir, "cache-portal");
    const portal = location.replace("/schemas/", "/portal/");
    for (let run = 0; run < 2; run++) {
      const result = await spawnCli(["validate", "--schema-location", portal, "--cache-dir", cache, valid]);
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/schema http:\/\/127\.0\.0\.1:\d+\/portal\/configmap\.json is not valid JSON/);
    }
    expect(existsSync(cache)).toBe(false);
  });

  test("a damaged cache file (an older version cached a portal page) is fetched again and replaced", async () => {
    const cache = join(dir, "cache-poisoned");
    expect((await spawnCli(["validate", "--schema-location", location, "--cache-dir", cache, valid])).status).toBe(0);
    const [name] = readdirSync(cache);
    writeFileSync(join(cache, name!), "<html>Please log in</html>");
    const before = requests.length;
    const healed = await spawnCli(["validate", "--schema-location", location, "--cache-dir", cache, valid]);
    expect(healed.status).toBe(0);
    expect(requests.length).toBe(before + 1);
    expect(JSON.parse(readFileSync(join(cache, name!), "utf8"))).toEqual(SCHEMA);
    expect(readdirSync(cache)).toEqual([name]); // no temp file left beside it

    // Damaged, and the server answers a portal page too: the error names the cache file.
    const portal = location.replace("/schemas/", "/portal/");
    const portalCache = join(dir, "cache-poisoned-portal");
    mkdirSync(portalCache);
    const { createHash } = await import("node:crypto");
    const portalFile = join(portalCache, `${createHash("sha256").update(portal.replace("{{.ResourceKind}}", "configmap")).digest("hex")}.json`);
    writeFileSync(portalFile, "<html>Please log in</html>");
    const failed = await spawnCli(["validate", "--schema-location", portal, "--cache-dir", portalCache, valid]);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(`its cached copy ${portalFile} was damaged`);
  });

  test("an endless body stops at the size cap with an error, and nothing is cached", async () => {
    const cache = join(dir, "cache-endless");
    const endless = await spawnCli(["validate", "--schema-location", location.replace("/schemas/", "/endless/"), "--cache-dir", cache, valid]);
    expect(endless.status).toBe(1);
    expect(endless.stdout).toMatch(/schema http:\/\/127\.0\.0\.1:\d+\/endless\/configmap\.json is larger than 64 MiB; not read further/);
    expect(existsSync(cache)).toBe(false);
  });

  test("a cache folder that is a file is refused before anything is validated (exit 2), naming it", async () => {
    const notADir = join(dir, "cache-is-a-file");
    writeFileSync(notADir, "");
    const run = await spawnCli(["validate", "--schema-location", location, "--cache-dir", notADir, valid]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/cannot use .*cache-is-a-file as the schema cache folder: it is a file, not a folder; pass --cache-dir a folder only you can write/);
    expect(run.stdout).toBe("");
  });
});
