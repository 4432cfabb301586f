/**
 * Issue 21, the schemas `validate` compiles (`--crd`, `--schema-location`) and the caches it keeps:
 * - no schema text is ever run: an `$id` that would close the comment Ajv writes it into is refused before Ajv
 *   compiles it, and the generated code is checked token by token before it runs (the second line of defence is
 *   tried on its own, on code Ajv generated from a hostile schema);
 * - a compiled validator is used from the cache only from a folder and a file that only this user can write, and only
 *   when its code matches the hash in its first line and passes the same check; a planted module never runs;
 * - `kind`/`apiVersion` are Kubernetes names before they go into a location template, and the address stays under the
 *   template's base; each cache folder has a size bound.
 * Each attack leaves a marker file when its code runs: the tests assert the marker is never created.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Ajv } from "ajv";
import { checkGeneratedCode, checkSchemaSafety, UnsafeSchemaError } from "../src/validators/kubernetes/schema-safety.js";
import { CacheBudget } from "../src/validators/kubernetes/private-cache.js";
import { resolveTemplate } from "../src/validators/kubernetes/locations.js";
import { spawnCli, tempDir } from "./helpers/cli.js";
import { repoRoot, sharedDir } from "./helpers/fixtures.js";

const work = tempDir("ccr-trust-schemas-");
let counter = 0;
const fresh = (name: string) => {
  const dir = join(work, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {key: value}\n";
/** JavaScript that creates `marker` when it runs (ESM context: no require, but import() works). */
const payload = (marker: string) => `import('node:fs').then(f=>f.writeFileSync(${JSON.stringify(marker)},'ran'))`;

function schemaFolder(dir: string, schema: object): string {
  const folder = join(dir, "schemas");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "configmap.json"), JSON.stringify(schema));
  return `${folder}/{{.ResourceKind}}.json`;
}

describe("an $id that would close Ajv's comment never runs", () => {
  test.each([
    ["at the root", (marker: string) => ({ $id: `x*/;${payload(marker)};/*`, type: "object" })],
    ["in a definition reached by $ref", (marker: string) => ({ type: "object", properties: { data: { $ref: "#/definitions/d" } }, definitions: { d: { $id: `d*/;${payload(marker)};/*`, type: "object" } } })],
    ["under an unknown keyword", (marker: string) => ({ type: "object", "x-extra": { $id: `e*/;${payload(marker)};/*` } })],
  ])("--schema-location, %s: refused, named, nothing run (exit 1)", async (_where, schemaOf) => {
    const dir = fresh("id");
    const marker = join(dir, "PWNED");
    const location = schemaFolder(dir, schemaOf(marker));
    writeFileSync(join(dir, "cm.yaml"), CONFIGMAP);
    for (let run = 0; run < 2; run++) {
      const result = await spawnCli(["validate", "--schema-location", location, join(dir, "cm.yaml")], { env: { XDG_CACHE_HOME: join(dir, "cache") } });
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/\$id at \/\S* is "[^"]*\*\/.*not a URI without "\*" \(refused: the schema compiler writes it into generated code\)/);
      expect(result.stdout).toContain("Errors: 1");
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("--crd: a CRD schema whose $id breaks out is refused, nothing run", async () => {
    const dir = fresh("crd-id");
    const marker = join(dir, "PWNED");
    writeFileSync(
      join(dir, "crd.yaml"),
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          $id: ${JSON.stringify(`w*/;${payload(marker)};/*`)}
`,
    );
    writeFileSync(join(dir, "widget.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    const result = await spawnCli(["validate", "--crd", join(dir, "crd.yaml"), join(dir, "widget.yaml")], { env: { XDG_CACHE_HOME: join(dir, "cache") } });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/CRD .*crd\.yaml \(example\.com\/v1 Widget\): \$id at \/ is .*refused/);
    expect(existsSync(marker)).toBe(false);
  });

  test.each([
    ["a $ref with */", { properties: { a: { $ref: "#/definitions/x*/y" } } }, /\$ref at \/properties\/a/],
    ["a $id that is an object whose JSON closes a comment", { $id: { a: "*/" } }, /\$id at \/ is a object/],
    ["$async", { $async: true, type: "object" }, /\$async at \/ is not supported/],
    ["a __proto__ key", JSON.parse('{"enum": [{"__proto__": {"x": 1}}]}') as object, /the key "__proto__" at \/enum\/0 is refused/],
  ])("checkSchemaSafety refuses %s", (_name, schema, message) => {
    expect(() => checkSchemaSafety(schema, "test")).toThrow(message);
  });

  const jsonFilesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? jsonFilesUnder(join(dir, entry.name)) : entry.name.endsWith(".json") ? [join(dir, entry.name)] : []));

  test("checkSchemaSafety accepts the embedded definitions and every CRD schema the project derives", () => {
    const files = [join(repoRoot, "schemas", "kubernetes", "definitions.json"), ...jsonFilesUnder(join(repoRoot, "schema-sources", "crds"))];
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(() => checkSchemaSafety(JSON.parse(readFileSync(file, "utf8")), file)).not.toThrow();
  });

  // The team's reference set beside the project (../shared/schemas); a clone without it skips this one.
  test.skipIf(!existsSync(join(sharedDir, "schemas")))("checkSchemaSafety accepts every schema of the shared reference set", () => {
    const files = jsonFilesUnder(join(sharedDir, "schemas"));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(() => checkSchemaSafety(JSON.parse(readFileSync(file, "utf8")), file)).not.toThrow();
  });
});

describe("the generated code is checked before it runs (second line of defence, on its own)", () => {
  /** What Ajv generates for a schema, captured by its code.process hook and never run (the hook throws). */
  function generated(schema: object): string {
    let captured = "";
    const stop = (code: string): string => {
      captured = code;
      throw new Error("captured, not run");
    };
    const ajv = new Ajv({ strict: false, validateSchema: false, logger: false, code: { source: true, process: stop } });
    expect(() => ajv.compile(schema)).toThrow("captured, not run");
    return captured;
  }

  test.each([
    ["a closed comment", { $id: "x*/;process.exit(7);/*", type: "object" }],
    ["a closed comment and a constructor chain", { $id: "x*/;data.constructor.constructor('return process')().exit(7);/*", type: "object" }],
    ["a require of another module", { $id: 'x*/;require("child_process");/*', type: "object" }],
  ])("%s, unsanitised, is refused by the token check", (_name, schema) => {
    const code = generated(schema);
    expect(code).toContain("*/;"); // the attack did reach the code
    expect(() => checkGeneratedCode(code, "test")).toThrow(UnsafeSchemaError);
  });

  test("a keyword after a dot is a property name (a CRD field called class), never a call", () => {
    // As Ajv writes it for PagerDuty's `class` in AlertmanagerConfig (the monitoring add-on's CRDs, in the shipped bundles below).
    expect(() => checkGeneratedCode("if(data.class !== undefined){let data1 = data.class;if(typeof data1 !== schema1.properties.class.type){errors++;}}", "test")).not.toThrow();
    expect(() => checkGeneratedCode("let data1 = data.delete(1);", "test")).toThrow(/a call of "delete"/);
    expect(() => checkGeneratedCode("let data1 = new data.class();", "test")).toThrow(UnsafeSchemaError);
  });

  test("the code of every shipped validator bundle passes the check (it covers what Ajv writes for Kubernetes, Flux and Argo CD)", () => {
    const dir = join(repoRoot, "schemas", "kubernetes", "validators");
    const bundles = readdirSync(dir).filter((name) => name.endsWith(".mjs"));
    expect(bundles.length).toBeGreaterThan(4);
    for (const name of bundles) {
      const text = readFileSync(join(dir, name), "utf8");
      const body = text.slice(text.indexOf("const exports = module.exports;\n") + "const exports = module.exports;\n".length, text.lastIndexOf("return module.exports;"));
      expect(() => checkGeneratedCode(body, name)).not.toThrow();
    }
  });
});

describe("the compiled-schema cache", () => {
  const schema = { type: "object", properties: { data: { type: "object", additionalProperties: { type: "string" } } } };

  /** A run that fills the cache; returns the cache folder, its one file and the arguments of a run. */
  async function filled(name: string) {
    const dir = fresh(name);
    const location = schemaFolder(dir, schema);
    writeFileSync(join(dir, "cm.yaml"), CONFIGMAP);
    const env = { XDG_CACHE_HOME: join(dir, "cache") };
    const args = ["validate", "--schema-location", location, join(dir, "cm.yaml")];
    expect((await spawnCli(args, { env })).status).toBe(0);
    const compiled = join(dir, "cache", "create-cluster-repo", "compiled");
    const [file] = readdirSync(compiled);
    return { dir, compiled, file: join(compiled, file!), args, env, marker: join(dir, "PWNED") };
  }

  /** Cached code that creates the marker, with a first line whose hash matches it. */
  function planted(marker: string): string {
    const body = `${payload(marker)};module.exports = function validate0(data){return true;};`;
    return `// compiled by create-cluster-repo (x) sha256:${createHash("sha256").update(body).digest("hex")}\n${body}`;
  }

  test("is created private (0700), its files 0600", async () => {
    const { compiled, file } = await filled("private");
    if (process.platform === "win32") return;
    expect(statSync(compiled).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toMatch(/^\/\/ compiled by create-cluster-repo \(ccr-validator-code-\d+\/ajv-[\d.]+\) sha256:[0-9a-f]{64}\n/);
  });

  test.skipIf(process.platform === "win32")("a cache folder others can write is refused (exit 2), naming it and the fix; nothing in it runs", async () => {
    const { compiled, file, args, env, marker } = await filled("group-writable");
    writeFileSync(file, planted(marker), { mode: 0o600 });
    chmodSync(compiled, 0o770);
    const run = await spawnCli(args, { env });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`the compiled-schema cache folder ${compiled} is writable by its group (mode 0770): another user could plant files the tool would use; run "chmod go-w ${compiled}" if it is yours, or set XDG_CACHE_HOME to a folder only you can write`);
    expect(run.stdout).toBe("");
    expect(existsSync(marker)).toBe(false);
  });

  test.skipIf(process.platform === "win32")("a folder above the cache that others can write (not sticky) is refused too", async () => {
    const dir = fresh("open-parent");
    const open = join(dir, "shared");
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    const location = schemaFolder(dir, schema);
    writeFileSync(join(dir, "cm.yaml"), CONFIGMAP);
    const run = await spawnCli(["validate", "--schema-location", location, join(dir, "cm.yaml")], { env: { XDG_CACHE_HOME: open } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`the folder ${open} above the compiled-schema cache folder`);
    expect(run.stderr).toContain(`is writable by its group and others (mode 0777): another user could replace the cache; fix the permissions of ${open}, or set XDG_CACHE_HOME to a folder only you can write`);
  });

  // Another user's file needs root to make (chown); as another user the CLI would be refused the folder already.
  test.skipIf(process.getuid?.() !== 0)("a module another user planted (owned by nobody) is refused, named, never run", async () => {
    const { file, args, env, marker } = await filled("foreign");
    writeFileSync(file, planted(marker), { mode: 0o600 });
    chownSync(file, 65534, 65534);
    const run = await spawnCli(args, { env });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`the cache file ${file} is owned by user 65534, not by you (user 0): another user could have written it; it is not used; remove it`);
    expect(existsSync(marker)).toBe(false);
  });

  test("a module whose code does not match the hash in its first line is compiled again, never run", async () => {
    const { file, args, env, marker } = await filled("tampered");
    writeFileSync(file, planted(marker).replace("sha256:", "sha256:0"), { mode: 0o600 });
    const run = await spawnCli(args, { env });
    expect(run.status).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(file, "utf8")).not.toContain("PWNED"); // replaced by the tool's own code
  });

  test.skipIf(process.platform === "win32")("a cache file that is a symbolic link is refused, not followed", async () => {
    const { file, args, env } = await filled("symlinked");
    const elsewhere = join(work, `elsewhere-${counter++}.js`);
    writeFileSync(elsewhere, readFileSync(file));
    const { rmSync, symlinkSync } = await import("node:fs");
    rmSync(file);
    symlinkSync(elsewhere, file);
    const run = await spawnCli(args, { env });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`the cache file ${file} is a symbolic link; remove it`);
  });
});

describe("kind and apiVersion in location templates", () => {
  test.each([
    ["v1", "../../outside/secret"],
    ["v1", "ConfigMap?x=1"],
    ["v1", "ConfigMap#frag"],
    ["v1", "Config%2FMap"],
    ["../../v1", "ConfigMap"],
    ["example.com/v1/extra", "Widget"],
    ["Example.COM/v1", "Widget"],
  ])("apiVersion %j kind %j is refused before substitution", (apiVersion, kind) => {
    expect(() => resolveTemplate("/schemas/{{.Group}}/{{.ResourceKind}}.json", apiVersion, kind, "1.32.0", false)).toThrow(/is not (an API group and version|a kind name) Kubernetes accepts/);
  });

  test("Kubernetes names go through; the address stays under the template's base", () => {
    expect(resolveTemplate("https://h.example/s/{{.ResourceKind}}{{.KindSuffix}}.json", "apps/v1", "Deployment", "1.32.0", false)).toBe("https://h.example/s/deployment-apps-v1.json");
    expect(resolveTemplate("/srv/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json", "kustomize.toolkit.fluxcd.io/v1", "Kustomization", "1.32.0", false)).toBe(
      "/srv/kustomize.toolkit.fluxcd.io/kustomization_v1.json",
    );
  });

  describe("through the CLI", () => {
    const requests: string[] = [];
    let server: Server;
    let base = "";
    beforeAll(async () => {
      server = createServer((request, response) => {
        requests.push(request.url ?? "");
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ type: "object", properties: { x: { type: "string" } } }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test("a local folder: a kind with ../ cannot pick a *.json outside it; the resource is an error naming the kind", async () => {
      const dir = fresh("dotdot");
      const folder = join(dir, "schemas");
      mkdirSync(folder);
      // A permissive schema outside the folder that `../` would reach.
      writeFileSync(join(dir, "any.json"), JSON.stringify({}));
      writeFileSync(join(dir, "evil.yaml"), "apiVersion: v1\nkind: ../any\nmetadata: {name: e}\n");
      const run = await spawnCli(["validate", "--schema-location", `${folder}/{{.ResourceKind}}.json`, join(dir, "evil.yaml")], { env: { XDG_CACHE_HOME: join(dir, "cache") } });
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('kind "../any" is not a kind name Kubernetes accepts');
      expect(run.stdout).toContain("Valid: 0, Invalid: 0, Errors: 1");
    });

    test("an HTTP location: no request carries ../, ? or #, and nothing is cached for them", async () => {
      const dir = fresh("http");
      const kinds = ["../../admin/schema", "A?page=2", "A#x", "..%2F..%2Fsecret"];
      writeFileSync(join(dir, "evil.yaml"), kinds.map((kind, i) => `apiVersion: v1\nkind: ${JSON.stringify(kind)}\nmetadata: {name: e${i}}\n`).join("---\n"));
      const cache = join(dir, "schema-cache");
      const before = requests.length;
      const run = await spawnCli(["validate", "--cache-dir", cache, "--schema-location", `${base}/schemas/{{.ResourceKind}}.json`, join(dir, "evil.yaml")], { env: { XDG_CACHE_HOME: join(dir, "cache") } });
      expect(run.status).toBe(1);
      expect(run.stdout).toContain("Errors: 4");
      expect(requests.slice(before)).toEqual([]);
      expect(existsSync(cache)).toBe(false);
    });
  });
});

describe("each cache folder has a size bound", () => {
  test("storing past the bound removes the least recently used files first", async () => {
    const dir = fresh("budget");
    const files = ["old", "used", "new"].map((name) => join(dir, `${name}.json`));
    files.forEach((file, i) => {
      writeFileSync(file, "x".repeat(400));
      const time = new Date(Date.UTC(2020, 0, 1 + i));
      utimesSync(file, time, time);
    });
    // "old" was written first but read since: it is the most recently used
    utimesSync(files[0]!, new Date(Date.UTC(2021, 0, 1)), new Date(Date.UTC(2020, 0, 1)));
    const budget = new CacheBudget(dir, 1300);
    expect(await budget.reserve(500)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["new.json", "old.json"]); // "used" (least recently used) went
    expect(await budget.reserve(2000)).toBe(false); // larger than the bound: never stored
  });
});
