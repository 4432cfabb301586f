#!/usr/bin/env node
/**
 * `npm run bench:hostile`: every hostile input of issue 14 run through the built CLI as a whole process, next to a
 * benign input of the same size and role, with a kill timeout. Prints wall time, peak RSS (GNU time's %M, the
 * process and its threads) and exit code of each, and the hostile/benign time ratio. Target: the hostile input
 * costs at most a small multiple of the benign one (RATIO_TARGET), or answers at once (below FLOOR_SECONDS).
 *
 *   node bench/hostile-input.mjs                 the built CLI of this checkout
 *   CCR_CLI=/path/to/main.js node bench/...      another build (e.g. main before a change)
 *   BENCH_KILL_SECONDS=300 BENCH_ONLY=flow ...   kill timeout; only the cases whose name contains "flow"
 *
 * Linux only: needs /usr/bin/time, timeout and mkfifo.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = process.env.CCR_CLI ?? join(root, Object.values(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).bin)[0]);
const killSeconds = Number(process.env.BENCH_KILL_SECONDS ?? 120);
const only = process.env.BENCH_ONLY;
const RATIO_TARGET = 3;
/** Below this a run is "at once", whatever the ratio (process start-up alone is about 0.2 s). */
const FLOOR_SECONDS = 1;
const MiB = 1024 * 1024;

if (!existsSync(cli)) {
  console.error(`${cli} is missing: run \`npm run build\` first`);
  process.exit(2);
}
for (const tool of ["/usr/bin/time", "/usr/bin/timeout", "/usr/bin/mkfifo"]) {
  if (!existsSync(tool)) {
    console.error(`${tool} is missing: this benchmark needs GNU time, coreutils timeout and mkfifo (Linux)`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), "ccr-bench-hostile-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const path = (name) => join(work, name);
function write(name, content) {
  mkdirSync(dirname(path(name)), { recursive: true });
  writeFileSync(path(name), content);
  return path(name);
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** A valid ConfigMap of exactly `bytes` bytes (padded with data entries). */
function configMap(bytes, name = "benign") {
  let text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n`;
  for (let i = 0; text.length < bytes - 40; i++) text += `  key-${i}: value-${i}\n`;
  return text + `  pad: "${"x".repeat(Math.max(0, bytes - text.length - 10))}"\n`;
}

/** `a: [{[{...` left open, then flow entries up to `bytes`: the shape that made the `yaml` composer quadratic. */
function unterminatedFlow(depth, bytes) {
  let text = "a: ";
  for (let i = 0; i < depth; i++) text += i % 2 ? "{" : "[";
  // Whole entries only: a key cut short could repeat an earlier one (x59 after x5999), a different error.
  for (let i = 0; text.length < bytes; i++) text += depth % 2 ? `k${i}: v, ` : `x${i}, `;
  return text;
}

/** Flow sequences nested `depth` deep and closed: valid YAML, deeper than any real manifest. */
function deepFlow(depth) {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
}

/** Billion laughs: 9 levels of 9 aliases each, 9^9 strings once expanded. */
function laughs(indent = "") {
  const lines = [`${indent}lol0: &l0 [${Array(9).fill('"lol"').join(", ")}]`];
  for (let level = 1; level <= 9; level++) lines.push(`${indent}lol${level}: &l${level} [${Array(9).fill(`*l${level - 1}`).join(", ")}]`);
  return lines.join("\n") + "\n";
}

const fluxKustomization = (extra = "") => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 10m, url: "https://example.com/fleet.git", ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
${extra}`;

/** A folder of 48 files, 12 MB (so that worker threads are used), one of them a Flux Kustomization. */
function repository(name, kustomization) {
  write(`${name}/apps/kustomization.yaml`, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n");
  write(`${name}/clusters/flux.yaml`, kustomization);
  for (let i = 0; i < 47; i++) write(`${name}/config/cm-${i}.yaml`, configMap(Math.floor((12_000_000 - kustomization.length) / 47), `cm-${i}`));
  return path(name);
}

/** A ConfigMap whose every value is a number: one schema violation per entry. */
function everyValueWrong(entries) {
  let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wrong}\ndata:\n";
  for (let i = 0; i < entries; i++) text += `  key-${i}: ${i}\n`;
  return text;
}

const answers = (params) => `tool: create-cluster-repo\ntoolVersion: 0.1.0\nblueprint: kapsule-gpu\nblueprintVersion: 1.0.0\ngitops: flux\nparams:\n${params}`;
function answersRepo(name, content) {
  write(`${name}/cluster-repo.yaml`, content);
  return path(name);
}

function fifo(name) {
  spawnSync("/usr/bin/mkfifo", [path(name)]);
  return path(name);
}
function zeroLink(name) {
  symlinkSync("/dev/zero", path(name));
  return path(name);
}

// ---------------------------------------------------------------------------------------------------------------
// Cases: [name, hostile argv, benign argv]

const target = (name) => path(`targets/${name}`);
const cases = [];
const add = (name, hostile, benign, input) => cases.push({ name, hostile, benign, input });

add("nested flow, unterminated, 305 B", ["validate", write("flow-305.yaml", unterminatedFlow(302, 305))], ["validate", write("benign-305.yaml", configMap(305))]);
const benignMiB = write("benign-1MiB.yaml", configMap(MiB));
for (const depth of [10, 50, 100, 200]) {
  add(`nested flow, unterminated, 1 MiB, ${depth} levels`, ["validate", write(`flow-${depth}.yaml`, unterminatedFlow(depth, MiB))], ["validate", benignMiB]);
}
add("nesting 100,000 levels deep (valid YAML), 200 kB", ["validate", write("deep.yaml", deepFlow(100_000))], ["validate", write("benign-200k.yaml", configMap(200_055))]);
add(
  "alias bomb in a Flux Kustomization, 48 files, 12 MB",
  ["validate", repository("bomb-repo", fluxKustomization(laughs()))],
  ["validate", repository("benign-repo", fluxKustomization(`lol: [${Array(100).fill('"lol"').join(", ")}]\n`))],
);
add("alias bomb, same file, --workers 1", ["validate", "--workers", "1", path("bomb-repo")], ["validate", "--workers", "1", path("benign-repo")]);
add(
  "alias cycle in a CRD schema",
  ["validate", write("cycle.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: as.b.c}\nspec:\n  group: b.c\n  names: {kind: A, plural: as}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: &s {type: object, properties: {x: *s}}\n")],
  ["validate", write("benign-cycle.yaml", configMap(330))],
);
add("a 128 MiB manifest file (benign: 32 MiB, the limit)", ["validate", write("huge.yaml", configMap(128 * MiB, "huge"))], ["validate", write("benign-32MiB.yaml", configMap(32 * MiB, "big"))]);
add("50,000 schema violations in one ConfigMap", ["validate", write("wrong.yaml", everyValueWrong(50_000))], ["validate", write("benign-wrong.yaml", configMap(readFileSync(path("wrong.yaml"), "utf8").length))]);
add("FIFO named on the command line", ["validate", fifo("fifo.yaml")], ["validate", write("small.yaml", configMap(200))]);
add("link to /dev/zero named on the command line", ["validate", zeroLink("zero.yaml")], ["validate", path("small.yaml")]);
add("--crd FIFO", ["validate", "--crd", fifo("crd-fifo.yaml"), path("small.yaml")], ["validate", "--crd", write("crd.yaml", "kind: CustomResourceDefinition\n"), path("small.yaml")]);
add("--crd link to /dev/zero", ["validate", "--crd", zeroLink("crd-zero.yaml"), path("small.yaml")], ["validate", "--crd", path("crd.yaml"), path("small.yaml")]);
add("stdin from /dev/zero", ["validate", "-"], ["validate", path("small.yaml")], "/dev/zero");
add("--set nodeGroups[10000000].name=x", ["-b", "magnum-openstack", "-y", "--dry-run", "--set", "nodeGroups[10000000].name=x", target("s1")], ["-b", "magnum-openstack", "-y", "--dry-run", "--set", "nodeGroups[0].name=x", target("s2")]);
add("--values FIFO", ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", fifo("values-fifo.yaml"), target("v1")], ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", write("values.yaml", "clusterName: ok\n"), target("v2")]);
add("--values link to /dev/zero", ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", zeroLink("values-zero.yaml"), target("v3")], ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", path("values.yaml"), target("v4")]);
add(
  "--values nested flow, unterminated, 60 kB",
  ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", write("values-flow.yaml", unterminatedFlow(2, 60_000)), target("v5")],
  ["-b", "kapsule-gpu", "-y", "--dry-run", "--values", write("values-big.yaml", `clusterName: ok\n# ${"x".repeat(59_980)}\n`), target("v6")],
);
add(
  "plan: answers file nested flow, unterminated, 60 kB",
  ["plan", answersRepo("answers-flow", answers(`  clusterName: a\n  x: ${unterminatedFlow(2, 60_000).slice(3)}`))],
  ["plan", answersRepo("answers-ok", answers(`  clusterName: a\n# ${"x".repeat(59_980)}\n`))],
);

// Issue 21: kustomizations that include each other many times over; one expression nested 100,000 deep.
/** `levels` kustomization folders, each listing the next `fanOut` times (under several spellings). */
function kustomizeFanOut(name, levels, fanOut) {
  for (let level = 0; level < levels; level++) {
    const entries = level === levels - 1 ? ["cm.yaml"] : Array.from({ length: fanOut }, (_, copy) => `../l${level + 1}${"/".repeat(copy)}`);
    write(`${name}/l${level}/kustomization.yaml`, `resources:\n${entries.map((entry) => `- ${entry}\n`).join("")}`);
  }
  write(`${name}/l${levels - 1}/cm.yaml`, configMap(200));
  return path(name);
}
add("kustomize fan-out: 12 levels, each listing the next 8 times (8^11 once expanded)", ["validate", kustomizeFanOut("fan-out", 12, 8)], ["validate", kustomizeFanOut("fan-in", 12, 1)]);
add(
  'Terraform "${"${…}"}" 100,000 deep, 500 kB',
  ["validate", write("nested-tf/main.tf", `locals {\n  a = "${'${"'.repeat(100_000)}x${'"}'.repeat(100_000)}"\n}\n`)],
  ["validate", write("flat-tf/main.tf", `locals {\n  a = "${"x".repeat(500_000)}"\n}\n`)],
);
add(
  "workflow ${{ (((…))) }} 100,000 deep, 200 kB",
  ["validate", write("nested-wf/.github/workflows/ci.yml", `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \${{ ${"(".repeat(100_000)}github.ref${")".repeat(100_000)} }}\n`).replace(/\/\.github\/workflows\/ci\.yml$/, "")],
  ["validate", write("flat-wf/.github/workflows/ci.yml", `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${"x".repeat(200_000)}"\n`).replace(/\/\.github\/workflows\/ci\.yml$/, "")],
);

// ---------------------------------------------------------------------------------------------------------------

/**
 * One run under GNU time and a kill timeout (TERM, then KILL 5 s later: timeout reaps the CLI, so GNU time sees its
 * peak RSS), stdin from `stdinFile` or /dev/null. Returns seconds, peak MiB, exit code or "killed", and the first
 * line of the message.
 */
function measure(argv, stdinFile = "/dev/null") {
  const quote = (arg) => `'${arg.replace(/'/g, "'\\''")}'`;
  const command = ["/usr/bin/time", "-f", "%e %M", "/usr/bin/timeout", "-k", "5", String(killSeconds), process.execPath, cli, ...argv].map(quote).join(" ");
  const result = spawnSync("/bin/sh", ["-c", `${command} < ${quote(stdinFile)}`], {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, CI: "true", NO_COLOR: "1", GITHUB_TOKEN: "" },
  });
  const lines = result.stderr.trim().split("\n");
  const [seconds, rssKiB] = (lines.pop() ?? "").split(" ").map(Number);
  const killed = result.status === 124 || result.status === 137 || seconds >= killSeconds;
  const message = [...lines, ...result.stdout.split("\n")].find((line) => /error|warning|limit/i.test(line)) ?? "";
  return { seconds, mib: rssKiB / 1024, status: killed ? "killed" : result.status, message: message.trim().slice(0, 200) };
}

console.log(`hostile inputs vs same-size benign inputs (${cli}, kill after ${killSeconds} s, node ${process.version})`);
console.log(`target: hostile time <= ${RATIO_TARGET} x benign, or under ${FLOOR_SECONDS} s\n`);
console.log("| input | hostile: exit, time, peak RSS | benign: time, peak RSS | ratio | verdict |");
console.log("|---|---|---|---|---|");
let over = 0;
for (const { name, hostile, benign, input } of cases) {
  if (only && !name.includes(only)) continue;
  const bad = measure(hostile, input);
  const good = measure(benign);
  const ratio = bad.seconds / Math.max(good.seconds, 0.01);
  const ok = bad.status !== "killed" && (bad.seconds <= FLOOR_SECONDS || ratio <= RATIO_TARGET);
  if (!ok) over++;
  const time = (run) => `${run.seconds.toFixed(2)} s, ${run.mib.toFixed(0)} MiB`;
  console.log(`| ${name} | exit ${bad.status}, ${time(bad)} | ${time(good)} | ${ratio.toFixed(1)} | ${ok ? "ok" : "OVER TARGET"} |`);
  if (process.env.BENCH_VERBOSE && bad.message) console.log(`|   ${bad.message} | | | | |`);
}
console.log(over === 0 ? "\nall within target" : `\n${over} case(s) over target`);
