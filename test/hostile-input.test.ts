/**
 * Every parameter, flag and file the tool reads, fed wrong: each must fail with exit 2 and one message that says
 * what is wrong, where (flag, parameter path, file:line) and how to fix it; no stack trace, nothing written.
 * The table runs the built CLI (rebuild first); the map-key property runs in-process.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { buildRenderContext } from "../src/generator/context.js";
import { renderTree } from "../src/generator/render.js";
import { parseParams } from "../src/params/parse.js";
import { runCliAsync, tempDir, type CliRun } from "./helpers/cli.js";
import { parseTree, shapeOf } from "./helpers/parse-output.js";

const work = tempDir("ccr-hostile-input-");
const KNOWN = /aks-gpu, kapsule-gpu, kosmos-multicloud, magnum-openstack/;

/** Writes a file under the work dir and returns its path. */
function file(name: string, content: string): string {
  const path = join(work, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A directory holding only an answers file (plan/update/check read it before touching git). */
function repoWithAnswers(name: string, answers: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cluster-repo.yaml"), answers);
  return dir;
}

/** The same, committed in a git repository: update checks the work tree before it reads the answers. */
function gitRepoWithAnswers(name: string, answers: string): string {
  const dir = repoWithAnswers(name, answers);
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "answers");
  return dir;
}

const goodAnswers = (params: string) =>
  `tool: create-cluster-repo\ntoolVersion: 0.1.0\nblueprint: kapsule-gpu\nblueprintVersion: 1.0.0\ngitops: flux\nparams:\n${params}`;

const target = (name: string) => join(work, "targets", name);
const create = (name: string, ...args: string[]) => ["-b", "kapsule-gpu", "-y", ...args, target(name)];

interface Case {
  name: string;
  args: string[];
  /** What the one-line error must say. */
  message: RegExp;
}

const cases: Case[] = [
  // Blueprint
  { name: "unknown blueprint, close to a known one", args: ["-b", "kapsul-gpu", "-y", target("b1")], message: /unknown blueprint "kapsul-gpu" — did you mean "kapsule-gpu"\?\. Known blueprints: aks-gpu/ },
  { name: "unknown blueprint, far from every one", args: ["-b", "zzz", "-y", target("b2")], message: new RegExp(`unknown blueprint "zzz"\\. Known blueprints: ${KNOWN.source}`) },
  { name: "blueprint name with a path in it", args: ["-b", "../../etc", "-y", target("b3")], message: /unknown blueprint "\.\.\/\.\.\/etc"/ },
  { name: "no blueprint and no terminal", args: ["-y", target("b4")], message: new RegExp(`--blueprint is required; one of: ${KNOWN.source}`) },
  { name: "blueprints show: unknown", args: ["blueprints", "show", "kapsule"], message: new RegExp(`unknown blueprint "kapsule".*Known blueprints: ${KNOWN.source}`) },
  // Parameters: unknown, type, range, enum, pattern, length
  { name: "unknown top-level parameter", args: create("p1", "--set", "gpuPol.size=1"), message: /gpuPol: unknown parameter; did you mean "gpuPool"\?/ },
  { name: "unknown nested parameter", args: create("p2", "--set", "gpuPool.sizee=1"), message: /gpuPool\.sizee: unknown parameter; did you mean "gpuPool\.size"\?/ },
  { name: "integer expected", args: create("p3", "--set", "gpuPool.size=many"), message: /gpuPool\.size: must be integer \(got "many"\) \(from --set gpuPool\.size=many\)/ },
  { name: "integer expected, got a fraction", args: create("p4", "--set", "gpuPool.size=1.5"), message: /gpuPool\.size: must be integer \(got 1\.5\)/ },
  { name: "boolean expected", args: create("p5", "--set", "gpuPool.taint=yes"), message: /gpuPool\.taint: must be boolean \(got "yes"\)/ },
  { name: "above the maximum", args: create("p6", "--set", "gpuPool.maxSize=1000"), message: /gpuPool\.maxSize: must be <= 50 \(got 1000\)/ },
  { name: "below the minimum", args: create("p7", "--set", "gpuPool.size=-1"), message: /gpuPool\.size: must be >= 0 \(got -1\)/ },
  { name: "not one of the allowed values", args: create("p8", "--set", "region=mars-1"), message: /region: must be one of "fr-par", "nl-ams", "pl-waw", "it-mil" \(got "mars-1"\)/ },
  { name: "--gitops not flux or argo", args: create("p9", "--gitops", "fluxcd"), message: /gitops: must be one of "flux", "argo" \(got "fluxcd"\)/ },
  { name: "cluster name with a path in it", args: create("p10", "--set", "clusterName=../../evil"), message: /clusterName: "\.\.\/\.\.\/evil" is not valid; use 2-40 lowercase letters/ },
  { name: "absolute path as cluster name", args: create("p11", "--set", "clusterName=/etc"), message: /clusterName: "\/etc" is not valid/ },
  { name: "cluster name too long", args: create("p12", "--set", `clusterName=${"a".repeat(41)}`), message: /clusterName: must be at most 40 characters \(got 41\)/ },
  { name: "a 100 kB value is refused, and the message stays short", args: create("p13", "--set", `clusterName=${"x".repeat(100_000)}`), message: /--set clusterName=x+\.\.\. \(100012 characters\) is 98 KiB; a --set flag is at most 64 KiB/ },
  { name: "cross-field rule", args: create("p14", "--set", "gpuPool.minSize=5", "--set", "gpuPool.maxSize=3"), message: /gpuPool\.minSize: must be <= gpuPool\.maxSize \(5 > 3\)/ },
  { name: "credentials in repoUrl", args: create("p15", "--set", "repoUrl=https://bot:hunter2@github.com/acme/x.git"), message: /repoUrl: contains a password or token \(user:secret@\); give the URL without it/ },
  { name: "a token pasted into a parameter", args: create("p16", "--set", `inference.model=ghp_${"A".repeat(36)}`), message: /inference\.model: looks like a GitHub token; .*GITHUB_TOKEN/ },
  // Malformed --set
  { name: "--set without =", args: create("s1", "--set", "gpuPool.size"), message: /malformed --set gpuPool\.size: expected key=value, e\.g\. --set gpuPool\.size=2/ },
  { name: "--set with an empty key", args: create("s2", "--set", "=2"), message: /malformed --set =2: expected key=value/ },
  { name: "--set with an empty path segment", args: create("s3", "--set", "gpuPool..size=2"), message: /malformed parameter path in --set gpuPool\.\.size=2: "\(empty\)" is not a name or name\[index\]/ },
  { name: "--set with a bad index", args: create("s4", "--set", "pools[x].zone=a"), message: /malformed parameter path in --set pools\[x\]\.zone=a/ },
  { name: "--set with a path separator", args: create("s5", "--set", "../clusterName=x"), message: /malformed parameter path in --set \.\.\/clusterName=x/ },
  { name: "--set on a prototype key", args: create("s6", "--set", "__proto__.polluted=1"), message: /refusing --set __proto__\.polluted=1: "__proto__" is not a parameter name/ },
  { name: "--set indexing a mapping", args: create("s7", "--set", "gpuPool[0]=1"), message: /--set gpuPool\[0\]=1: gpuPool is not a list, so \[0\] cannot be set/ },
  { name: "--set with no value at all", args: ["-b", "kapsule-gpu", "-y", target("s8"), "--set"], message: /Option '-s, --set <value>' argument missing/ },
  // --values file
  { name: "--values: no such file", args: create("v1", "--values", join(work, "missing.yaml")), message: /cannot read --values .*missing\.yaml: no such file; give the path of a YAML file of parameters/ },
  { name: "--values: a directory", args: create("v2", "--values", work), message: /cannot read --values .*: it is a directory/ },
  { name: "--values: duplicate key, with its line", args: create("v3", "--values", file("dup.yaml", "clusterName: ok\ngpuPool:\n  size: 1\n  size: 2\n")), message: /--values .*dup\.yaml:4: not valid YAML: duplicate key "size"/ },
  { name: "--values: broken YAML, with its line", args: create("v4", "--values", file("broken.yaml", "clusterName: ok\ngpuPool: [1, 2\nregion: fr-par\n")), message: /--values .*broken\.yaml:\d+: not valid YAML/ },
  { name: "--values: a list instead of a mapping", args: create("v5", "--values", file("list.yaml", "- clusterName: ok\n")), message: /--values .*list\.yaml: must be a mapping of parameter names to values .*got a list/ },
  { name: "--values: a scalar", args: create("v6", "--values", file("scalar.yaml", "prod\n")), message: /--values .*scalar\.yaml: must be a mapping .*got string/ },
  { name: "--values: an unknown tag", args: create("v7", "--values", file("tag.yaml", "clusterName: !!js/function 'x'\n")), message: /--values .*tag\.yaml:1: not valid YAML/ },
  { name: "--values: several documents", args: create("v8", "--values", file("multi.yaml", "clusterName: a\n---\nclusterName: b\n")), message: /--values .*multi\.yaml:\d+: not valid YAML/ },
  {
    name: "--values: alias bomb (billion laughs) is refused, not expanded",
    args: create("v9", "--values", file("bomb.yaml", `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(",")}]`).join("\n")}\n`)),
    message: /--values .*bomb\.yaml.*(alias|Excessive)/i,
  },
  { name: "--values: unknown key names the closest", args: create("v10", "--values", file("unknown.yaml", "gpuPool:\n  maxsize: 3\n")), message: /gpuPool\.maxsize: unknown parameter; did you mean "gpuPool\.maxSize"\?/ },
  { name: "--values: wrong type", args: create("v11", "--values", file("type.yaml", "gpuPool:\n  size: \"2\"\n")), message: /gpuPool\.size: must be integer \(got "2"\)/ },
  // Answers file (cluster-repo.yaml) read by plan, update and check
  { name: "plan: no answers file", args: ["plan", join(work, "targets")], message: /cluster-repo\.yaml not found: .* is not a repository made by create-cluster-repo/ },
  { name: "update: broken answers file, with its line", args: ["update", gitRepoWithAnswers("a1", goodAnswers("  clusterName: a\n  gpuPool: {size: 1\n")), "--set", "gpuPool.size=2"], message: /cluster-repo\.yaml:\d+: not valid YAML: .*; fix the file or restore it from git history/ },
  { name: "plan: answers file missing keys", args: ["plan", repoWithAnswers("a2", "blueprint: kapsule-gpu\n")], message: /cluster-repo\.yaml: not a create-cluster-repo answers file \(missing blueprintVersion, gitops, params\); restore it from git history/ },
  { name: "plan: answers file with an unknown blueprint", args: ["plan", repoWithAnswers("a3", goodAnswers("  clusterName: a1\n").replace("kapsule-gpu", "../kapsule-gpu"))], message: /unknown blueprint "\.\.\/kapsule-gpu"/ },
  { name: "check: answers file with a bad gitops", args: ["check", repoWithAnswers("a4", goodAnswers("  clusterName: a1\n").replace("gitops: flux", "gitops: jenkins"))], message: /cluster-repo\.yaml: "gitops" must be flux or argo \(got "jenkins"\)/ },
  { name: "plan: answers file with a wrong parameter", args: ["plan", repoWithAnswers("a5", goodAnswers("  clusterName: ../a\n"))], message: /clusterName: "\.\.\/a" is not valid/ },
  { name: "plan: answers file whose params is a list", args: ["plan", repoWithAnswers("a6", goodAnswers("  - clusterName\n"))], message: /"params" must be a mapping of parameter names to values/ },
  // Flags
  { name: "create: unknown flag", args: create("f1", "--bogus"), message: /Unknown option '--bogus'\. Run `create-cluster-repo --help` for the flags\./ },
  { name: "create: unknown short flag", args: create("f2", "-q"), message: /Unknown option '-q'/ },
  { name: "create: bad --output", args: create("f3", "--output", "xml"), message: /--output must be one of text, json \(got "xml"\)/ },
  { name: "create: two target directories", args: ["-b", "kapsule-gpu", "-y", target("f4a"), target("f4b")], message: /expected at most one target directory, got 2/ },
  { name: "create: --diff without --dry-run", args: create("f5", "--diff"), message: /--diff goes with --dry-run/ },
  { name: "create: --github not owner/repo", args: create("f6", "--github", "../../x"), message: /--github must be owner\/repo \(e\.g\. --github acme\/prod-gpu\), got "\.\.\/\.\.\/x"/ },
  { name: "create: --github-api-url not a URL", args: create("f7", "--github", "acme/x", "--github-api-url", "not a url"), message: /--github-api-url must be a URL such as https:\/\/ghe\.example\.com\/api\/v3/ },
  { name: "blueprints: unknown flag", args: ["blueprints", "--bogus"], message: /Unknown option '--bogus'/ },
  { name: "plan: unknown flag", args: ["plan", "--bogus"], message: /Unknown option '--bogus'/ },
  { name: "update: unknown flag", args: ["update", "--bogus"], message: /Unknown option '--bogus'/ },
  { name: "check: unknown flag", args: ["check", "--bogus"], message: /Unknown option '--bogus'/ },
  { name: "validate: unknown flag", args: ["validate", "--bogus"], message: /--bogus/ },
  { name: "update: bad --conflict", args: ["update", gitRepoWithAnswers("a7", goodAnswers("  clusterName: a1\n")), "--conflict", "theirs"], message: /--conflict must be one of refuse, markers \(got "theirs"\)/ },
  // Target
  { name: "target is a file", args: ["-b", "kapsule-gpu", "-y", file("targets/plain-file", "x\n")], message: /target .*plain-file exists and is not a directory; choose another path/ },
];

/** Runs the cases a few at a time: each is its own process, and the machine may have only two cores. */
async function runAll(list: Case[], parallel = 3): Promise<Map<Case, CliRun>> {
  const results = new Map<Case, CliRun>();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < list.length) {
        const item = list[next++]!;
        results.set(item, await runCliAsync(item.args, { cwd: work, env: { GITHUB_TOKEN: "" } }));
      }
    }),
  );
  return results;
}

describe("hostile input to the CLI", () => {
  test(`${cases.length} bad inputs: exit 2, a message that says what, where and how, no stack, nothing written`, async () => {
    mkdirSync(join(work, "targets"), { recursive: true });
    const before = readdirSync(join(work, "targets")).sort();
    const results = await runAll(cases);
    const failures: string[] = [];
    for (const item of cases) {
      const run = results.get(item)!;
      const problems = [
        run.status !== 2 && `exit ${run.status}`,
        !item.message.test(run.stderr) && `message does not match ${item.message}`,
        !run.stderr.startsWith("error: ") && "stderr does not start with 'error: '",
        /^\s+at .+:\d+:\d+\)?$/m.test(run.stderr) && "prints a stack trace",
        run.stderr.length > 4000 && `a ${run.stderr.length}-character message`,
      ].filter(Boolean);
      if (problems.length > 0) failures.push(`${item.name}: ${problems.join("; ")}\n  args: ${item.args.join(" ").slice(0, 200)}\n  stderr: ${run.stderr.slice(0, 600)}`);
    }
    expect(failures, failures.join("\n\n")).toEqual([]);
    // Nothing was created by any of them: no target, no staging directory.
    expect(readdirSync(join(work, "targets")).sort()).toEqual(before);
    // 61 CLI runs, three at a time: minutes on a loaded 2-core machine.
  }, 600_000);

  test("the values-file parameters appear nowhere but in the error (nothing is half-created)", () => {
    for (const name of ["p1", "p13", "v3", "v9", "f1"]) expect(existsSync(target(name)), name).toBe(false);
  });
});

/**
 * The escaping suite covers every string *value*; map parameters (labels) also take hostile *keys*. Each must be
 * refused by the schema, naming the parameter, or land as exactly one key of the rendered labels.
 */
describe("hostile keys in map parameters", () => {
  const hostileKey = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.array(fc.constantFrom("a", ".", "/", "-", "_", '"', "'", ":", " ", "\n", "${", "%{", "#", "&x", "*x", "!!str", "---", "é", "[", "{", "=", "\\"), { maxLength: 10 }).map((p) => p.join("")),
  );
  // `valid` is a key the schema accepts, so that the round trip runs whatever the random keys are.
  const targets: Array<{ blueprint: string; path: (p: any) => Record<string, string>; name: string; valid: string }> = [
    { blueprint: "kosmos-multicloud", name: "pools[0].labels", path: (p) => p.pools[0].labels, valid: "topology.kubernetes.io/region" },
    { blueprint: "kosmos-multicloud", name: "externalPools[0].labels", path: (p) => p.externalPools[0].labels, valid: "example.com/tier" },
    { blueprint: "magnum-openstack", name: "extraLabels", path: (p) => p.extraLabels, valid: "etcd_volume_size" },
  ];

  test.each(targets)("$blueprint $name", async ({ blueprint: id, path, name, valid }) => {
    const blueprint = loadBlueprint(id);
    const defaults = parseParams({}, blueprint).params!;
    const render = async (key: string) => {
      const values = structuredClone(defaults) as Record<string, unknown>;
      // Defined, not assigned: `__proto__` must arrive as a key, as it does from a YAML values file.
      Object.defineProperty(path(values), key, { value: "v1", enumerable: true, writable: true, configurable: true });
      const result = parseParams({ values }, blueprint);
      if (result.errors) return { errors: result.errors };
      return { tree: await renderTree(blueprint, buildRenderContext(result.params!, blueprint, { toolVersion: "0.0.0" })) };
    };
    const baseline = await parseTree((await render("k")).tree!);
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(hostileKey, async (key) => {
        const rendered = await render(key);
        if (rendered.errors) {
          expect(rendered.errors.join("\n")).toContain(name.split(/[.[]/)[0]);
          return;
        }
        accepted++;
        // The answers file records the key as one key, read back exactly.
        const answers = parseYaml(rendered.tree.get("cluster-repo.yaml")!) as { params: Record<string, unknown> };
        expect(Object.keys(path(answers.params))).toContain(key);
        // Same structure as with a plain key: no extra key, block, resource or document.
        const parsed = await parseTree(rendered.tree);
        expect([...parsed.keys()]).toEqual([...baseline.keys()]);
        for (const [file, value] of parsed) expect(shapeOf(value), `${name}[${JSON.stringify(key)}] in ${file}`).toBe(shapeOf(baseline.get(file)));
      }),
      { numRuns: 30, examples: [[valid], ["a\nb: c"], ["${x}"], ["__proto__"], ["constructor"], ["toString"]] },
    );
    // Valid label keys exist among the examples, so the round trip really ran.
    expect(accepted).toBeGreaterThan(0);
  });
});
