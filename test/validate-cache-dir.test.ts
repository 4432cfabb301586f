/**
 * `--cache-dir`: schemas fetched over HTTP are kept on disk and read from there on later runs. A schema server on
 * the loopback interface counts the requests it gets.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers/cli.js";

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
    const first = await runCli(["validate", "--schema-location", location, "--cache-dir", cache, valid, invalid]);
    expect(first.stdout).toMatch(/Valid: 1, Invalid: 1/);
    expect(first.status).toBe(1);
    expect(requests).toEqual(["/schemas/configmap.json"]);
    expect(readdirSync(cache)).toHaveLength(1);

    const second = await runCli(["validate", "--schema-location", location, "--cache-dir", cache, "-o", "json", invalid]);
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
    expect((await runCli(["validate", "--schema-location", location, valid], { env })).status).toBe(0);
    expect(requests.length).toBe(before + 1);
    expect(readdirSync(join(xdg, "create-cluster-repo", "schemas"))).toHaveLength(1);
    expect((await runCli(["validate", "--schema-location", location, valid], { env })).status).toBe(0);
    expect(requests.length).toBe(before + 1);
  });
});
