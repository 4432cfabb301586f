/**
 * V8's compiled code of the embedded validator bundles, kept between runs of `validate` (src/code-cache.ts): stored
 * private after a run, used by the next one with the same report, and never taken from a file or folder another user
 * could have written. Each run is a process of its own (the built CLI): a bundle is loaded once per process.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { spawnCli, tempDir } from "./helpers/cli.js";

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "registry.example.com/web:1.0.0", ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports: [{port: "eighty"}]
  unknownField: true
`;

describe("validate keeps the compiled code of the embedded validators", () => {
  const dir = tempDir("ccr-code-cache-");
  const file = join(dir, "manifests.yaml");
  writeFileSync(file, MANIFESTS);

  async function validate(cacheHome: string) {
    const run = await spawnCli(["validate", "--strict", "-o", "json", file], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(run.status).toBe(1); // the Service is invalid: the report has problems to compare
    return run.stdout;
  }
  const codeDir = (cacheHome: string) => join(cacheHome, "create-cluster-repo", "code");
  const mode = (path: string) => statSync(path).mode & 0o777;

  test("a run stores it, private; the next run uses it, with the same report", async () => {
    const home = join(dir, "stored");
    const first = await validate(home);
    const names = readdirSync(codeDir(home)).sort();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{64}\.v8$/);
    expect(mode(codeDir(home))).toBe(0o700);
    for (const name of names) expect(mode(join(codeDir(home), name))).toBe(0o600);
    const written = names.map((name) => readFileSync(join(codeDir(home), name)));

    expect(await validate(home)).toBe(first);
    // Used as they were: code V8 refused would have been stored again.
    expect(readdirSync(codeDir(home)).sort()).toEqual(names);
    names.forEach((name, i) => expect(readFileSync(join(codeDir(home), name)).equals(written[i]!)).toBe(true));
  });

  test("damaged code is refused and replaced, with the same report", async () => {
    const home = join(dir, "damaged");
    const first = await validate(home);
    const names = readdirSync(codeDir(home));
    const damaged = names.map((name) => {
      const bytes = Buffer.alloc(statSync(join(codeDir(home), name)).size, 7);
      writeFileSync(join(codeDir(home), name), bytes, { mode: 0o600 });
      return bytes;
    });
    expect(await validate(home)).toBe(first);
    names.forEach((name, i) => expect(readFileSync(join(codeDir(home), name)).equals(damaged[i]!)).toBe(false));
  });

  test("a code file others can write is never used: it is replaced by a private one", async () => {
    const home = join(dir, "shared-file");
    const first = await validate(home);
    const [name] = readdirSync(codeDir(home));
    const cached = join(codeDir(home), name!);
    chmodSync(cached, 0o666);
    expect(await validate(home)).toBe(first);
    expect(mode(cached)).toBe(0o600);
  });

  test("a code folder others can write is not used, and nothing is written to it", async () => {
    const home = join(dir, "shared-folder");
    mkdirSync(codeDir(home), { recursive: true });
    chmodSync(codeDir(home), 0o777);
    const reference = await validate(join(dir, "reference"));
    expect(await validate(home)).toBe(reference);
    expect(readdirSync(codeDir(home))).toEqual([]);
  });
});

describe("a validate worker thread uses the same code cache", () => {
  // More files than one batch holds (32), so that --workers 2 starts a worker.
  const dir = tempDir("ccr-code-cache-worker-");
  const repo = join(dir, "repo");
  mkdirSync(repo);
  for (let i = 0; i < 80; i++) writeFileSync(join(repo, `m${String(i).padStart(2, "0")}.yaml`), MANIFESTS.replaceAll("name: web", `name: web-${i}`));

  const validate = async (cacheHome: string, workers: string) => {
    const run = await spawnCli(["validate", "--strict", "--workers", workers, "-o", "json", repo], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(run.status).toBe(1);
    return run.stdout;
  };
  const entries = (cacheHome: string) => readdirSync(join(cacheHome, "create-cluster-repo", "code")).sort();

  test("the worker stores its code beside the calling thread's, private, and the next run uses it", async () => {
    const home = join(dir, "home");
    const oneThread = await validate(home, "1");
    const before = entries(home);
    // The worker's bundle (dist/cli/kubernetes-worker.cjs) is one script more; what both threads load is shared.
    expect(await validate(home, "2")).toBe(oneThread);
    const after = entries(home);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after).toHaveLength(before.length + 1);
    for (const name of after) expect(statSync(join(home, "create-cluster-repo", "code", name)).mode & 0o777).toBe(0o600);
    const written = after.map((name) => readFileSync(join(home, "create-cluster-repo", "code", name)));
    // Used as they were: an entry V8 refused would have been written again.
    expect(await validate(home, "2")).toBe(oneThread);
    expect(entries(home)).toEqual(after);
    after.forEach((name, i) => expect(readFileSync(join(home, "create-cluster-repo", "code", name)).equals(written[i]!)).toBe(true));
  });
});
