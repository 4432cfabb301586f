import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import { buildRenderContext } from "../src/generator/context.js";
import { renderTree } from "../src/generator/render.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { classifyTerraformChanges } from "../src/update/terraform-changes.js";
import { canonicalTerraform, formatHcl, formatHclWasm } from "../src/validators/terraform/format.js";
import { formatHclNative } from "../src/validators/terraform/hcl-format-native.js";
import { nativeConfigTokens, nativeReferences } from "../src/validators/terraform/hcl-native.js";
import { scanHcl, type HclBody } from "../src/validators/terraform/hcl-scan.js";
import { tempDir } from "./helpers/cli.js";
import { paramsFixtures, repoRoot } from "./helpers/fixtures.js";

/**
 * The TypeScript HCL reader (hcl-native.ts, hcl-format-native.ts) stands in for the WebAssembly tools on the files it
 * covers, so it must answer as they do: the layout of hclwrite (and, with the tool's rewrites, of the real
 * `terraform fmt`), the verdict of hclsyntax's parser, the references of hcl2json. Held to them on every shipped
 * template render, on hand-written cases, and on random rewrites of both.
 */

const hcl2json = await import("@cdktf/hcl2json");

/** `terraform fmt` over a folder of files in one process (a local binary is the oracle; absent: undefined). */
function terraformFmtAll(sources: string[]): Promise<string[] | undefined> {
  const dir = tempDir("ccr-tf-native-");
  sources.forEach((source, index) => writeFileSync(join(dir, `f${index}.tf`), source));
  return new Promise((resolve) => {
    execFile("terraform", ["fmt", "-list=false", dir], { timeout: 240_000 }, (error) =>
      resolve(error ? undefined : sources.map((_, index) => readFileSync(join(dir, `f${index}.tf`), "utf8"))),
    );
  });
}
const haveTerraform = (await terraformFmtAll(["a = 1\n"])) !== undefined;

/** Every valid fixture's `.tf` files as the templates write them, before any formatting. */
const rawRenders: { name: string; source: string }[] = paramsFixtures("valid").flatMap((fixture) => {
  const blueprint = loadBlueprint(fixture.blueprint);
  const params = parseParams({ values: fixture.params }, blueprint).params!;
  const tree = renderTree(blueprint, buildRenderContext(params, blueprint, { toolVersion: "0.0.0-test" }));
  return [...tree].filter(([path]) => path.endsWith(".tf")).map(([path, source]) => ({ name: `${fixture.name}/${path}`, source }));
});

/** Cases the renders do not show: alignment, comments, single-line blocks, operators, templates, odd spacing. */
const HAND_WRITTEN = [
  'resource "a_b" "c" {\n  version = "1.35"          # comment\n  cni = "cilium"\n  labels = { "a" = "b", c = "d" }\n\n\n\n  x {\n  y = 1\n  }\n}\n',
  'resource "x_y" "z" {\n  a = 1\n  # comment\n  bb = 2\n\n  ccc = 3\n  dynamic "d" {\n    for_each = var.l\n    content { k = d.value }\n  }\n  list = [\n    1,\n  2,\n  ]\n}\n',
  'locals {\n  a = -1\n  b = 1 - -2\n  c = !var.x && var.y || (var.z == "q")\n  d = var.a>=2?"x":"y"\n  e = [for s in var.l: upper(s) if s != ""]\n  f = {for k,v in var.m: k=>v...}\n  g = f(var.a...)\n  h = var.m["k"].x[0]\n  i = var.l.0\n  j = "${var.a}${var.b}-$${literal}-%%{also}"\n  k = [ for x in [ "a" ] : x ]\n}\n',
  'variable "x" {\n type = "string"\n}\nvariable "y" {\n  type = list\n}\noutput "o" {\n  value = "${var.x}"\n}\n',
  "a=1\nbb=2 // two\nccc=3/* three */\n/* block\n   comment */\nd = { e = { f = [1,2,\n3] } }\n",
  'provider "p" {}\nmodule "m" {\n  source = "./m"\n\n  input = provider::scaleway::parse_zonal_id( var.id ).zone\n}\n',
  "x = 1\n\n\n# trailing\n   ",
  'object = {\n  a = 1\n  "b c" = 2\n  (var.k) = 3\n  d : 4,\n}\nempty = {}\nlist = []\ncall = f()\n',
  'r "t" "n" { a = "x" }\nb "l" {\n}\n',
  "\tindented\t=\t1\nm = {\n\tk\t= \"tab\tinside\"\n}\n",
  'a = "naïve — café"  # déjà vu\nbb = 2                 # ok\n',
];

/** Declined: the WebAssembly tools answer (and word any error). */
const DECLINED = [
  'a = <<EOT\nhello\nEOT\n',
  'a = "%{ if true }x%{ endif }"\n',
  'a = "${~ var.x ~}"\n',
  "a = var.l[*].id\n",
  "a = var.l.*.id\n",
  "a = 1\r\nb = 2\r\n",
  "\ufeffa = 1\n",
  "ä = 1\n",
  'a = "\\u00e9"\n',
  'a = "e\u0301"\n',
  'a = "👍"\n',
  "a = 1\na = 2\n",
  "a = 1,\n",
  'block "x" {\n  a = 1 }\n',
  "a = 1 +\n",
  "a = f(1 2)\n",
  'a = "unterminated\n',
  "a = 1.2.3\n",
  "a = var.l.0.1\n",
  "a = x & y\n",
  'a = "\\q"\n',
  "x {\n",
  'b "l" {}  c = 1\n',
];

function attributeExpressions(body: HclBody): string[] {
  return [...body.attributes.map((attribute) => attribute.expr), ...body.blocks.flatMap((block) => attributeExpressions(block.body))];
}

/** hcl2json's answer for an expression, in the form findUndeclaredReferences asks it (references.ts). */
async function wasmReferences(expr: string): Promise<{ value: string; startPosition: number }[] | "error"> {
  try {
    const references = await hcl2json.getReferencesInExpression("main.tf", "${" + expr + "\n}");
    return references.map(({ value, startPosition }) => ({ value, startPosition }));
  } catch {
    return "error";
  }
}

async function wasmParses(source: string): Promise<boolean> {
  return hcl2json.parse("main.tf", source).then(
    () => true,
    () => false,
  );
}

/** Whitespace rewrites that keep a file valid: runs of blanks between tokens resized, tabs for spaces, lines indented anew. */
function respace(source: string, seed: number[]): string {
  let k = 0;
  const next = () => seed[k++ % seed.length]!;
  const blanks = [" ", "  ", "\t", "    ", " \t "];
  const out: string[] = [];
  let inString = false;
  let inComment = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (inComment) {
      out.push(c);
      if (c === "\n") inComment = false;
      continue;
    }
    if (inString) {
      out.push(c);
      if (c === "\\") out.push(source[++i]!);
      else if (c === '"') inString = false;
      continue;
    }
    if (c === "#") inComment = true;
    if (c === '"') inString = true;
    if (c === " " || c === "\t") {
      while (source[i + 1] === " " || source[i + 1] === "\t") i++;
      out.push(blanks[next() % blanks.length]!);
      continue;
    }
    out.push(c);
    // room after openers and before closers and around `=` where the layout removes or adds it
    if ("([{,=".includes(c) && source[i + 1] !== "\n" && next() % 3 === 0) out.push(" ");
    if (c === "\n" && next() % 7 === 0) out.push("\n");
  }
  return out.join("");
}

/** Rewrites that may break a file: a character removed, one of HCL's punctuation inserted, a line doubled. */
function corrupt(source: string, edits: { at: number; kind: number }[]): string {
  let text = source;
  for (const { at, kind } of edits) {
    const i = at % (text.length + 1);
    if (kind % 3 === 0) text = text.slice(0, i) + text.slice(i + 1);
    else if (kind % 3 === 1) text = text.slice(0, i) + '{}[]()"=,.:?!#\n$%-*'[kind % 19] + text.slice(i);
    else {
      const start = text.lastIndexOf("\n", i - 1) + 1;
      const end = text.indexOf("\n", i);
      const line = text.slice(start, end < 0 ? text.length : end + 1);
      text = text.slice(0, start) + line + text.slice(start);
    }
  }
  return text;
}

describe("the TypeScript HCL reader answers as the Go tools do", () => {
  it("covers every .tf file every shipped blueprint renders, and lays each out exactly as hclwrite (WebAssembly) does", async () => {
    expect(rawRenders.length).toBeGreaterThan(50);
    for (const { name, source } of rawRenders) {
      const native = formatHclNative(source);
      expect(native, `${name} is declined`).toBeDefined();
      expect(native, name).toBe(await formatHclWasm(source));
      expect(nativeConfigTokens(native!), name).toBeDefined();
    }
  });

  it.skipIf(!haveTerraform)("gives every render, the hand-written cases and rewrites of them what the real terraform fmt writes", async () => {
    const sources = [
      ...rawRenders.map(({ source }) => source),
      ...HAND_WRITTEN,
      ...rawRenders.slice(0, 40).map(({ source }, index) => respace(source, [index + 1, 7, 3, 11, 2, 5])),
      ...HAND_WRITTEN.map((source, index) => respace(source, [index, 4, 9, 1])),
    ];
    const expected = (await terraformFmtAll(sources))!;
    let covered = 0;
    for (const [index, source] of sources.entries()) {
      if (formatHclNative(source) !== undefined) covered++;
      expect(await canonicalTerraform(source), source).toBe(expected[index]);
    }
    expect(covered).toBe(sources.length); // none of these is declined: the comparison is of the TypeScript formatter
  });

  it("declines what it does not cover, and the WebAssembly tools still answer for it", async () => {
    for (const source of DECLINED) {
      expect(formatHclNative(source), JSON.stringify(source)).toBeUndefined();
      expect(nativeConfigTokens(source), JSON.stringify(source)).toBeUndefined();
      const viaWasm = await formatHclWasm(source).then(
        (formatted) => ({ formatted }),
        (error: unknown) => ({ error: String(error) }),
      );
      expect(await formatHcl(source).then((formatted) => ({ formatted }), (error: unknown) => ({ error: String(error) }))).toEqual(viaWasm);
    }
  });

  it("accepts only what hclsyntax parses, and formats only what hclwrite formats alike (random rewrites of the renders)", async () => {
    const samples = [...rawRenders.map(({ source }) => source), ...HAND_WRITTEN];
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: samples.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), kind: fc.nat() }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat({ max: 100 }), { minLength: 1, maxLength: 8 }),
        async (which, edits, seed) => {
          const source = corrupt(respace(samples[which]!, seed), edits);
          const tokens = nativeConfigTokens(source);
          if (tokens === undefined) return;
          accepted++;
          expect(await wasmParses(source), source).toBe(true);
          expect(formatHclNative(source), source).toBe(await formatHclWasm(source));
        },
      ),
      { numRuns: 300, seed: 28 },
    );
    expect(accepted).toBeGreaterThan(30); // rewrites that stay valid are read natively
  });

  it("reads the references of every expression of the renders and of the hand-written cases as hcl2json does", async () => {
    const expressions = new Set<string>();
    for (const source of [...rawRenders.map(({ source }) => source), ...HAND_WRITTEN]) {
      for (const expr of attributeExpressions(scanHcl(source).body)) expressions.add(expr);
    }
    for (const extra of [
      "azurerm_kubernetes_cluster.this.identity[0].principal_id", "var.m[each.key]", 'var.m["k"].x', "[for s in var.l : local.x]",
      "{ for k, v in var.m : k => v.id if v.on && local.y }", "{ for k, v in var.m : local.k => local.v }", "f(var.a).b",
      '"a-${var.x}"', "var.a ? local.b : -1", "var.l.0.x", "(var.a).b", "provider::scaleway::parse_zonal_id(var.id).zone",
      "{ (var.k) = 1, local.j = 2, x = local.v }", '"é ${var.ü}"', "[for k, v in var.m : v if k != local.skip]",
      "[for s in [for t in var.l : t] : s]", "merge(var.a, { b = local.c }...)", "-var.n", "!local.f",
    ]) {
      expressions.add(extra);
    }
    let read = 0;
    for (const expr of expressions) {
      const native = nativeReferences(expr);
      if (native === undefined) continue;
      read++;
      expect(native, expr).toEqual(await wasmReferences(expr));
    }
    expect(read).toBe(expressions.size - 1); // all but the Unicode identifier
  });

  it("finds no Terraform change between renders whose .tf files are the same, whether their text is the same or not", async () => {
    for (const fixture of paramsFixtures("valid")) {
      const { tree } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "0.0.0-test" });
      const none = { added: [], changed: [], replaced: [], destroyed: [], changes: [] };
      expect(await classifyTerraformChanges(tree, new Map(tree))).toEqual(none);
      // the same configuration in other text is read (hcl2json) and compared: no change either
      const commented = new Map([...tree].map(([path, content]) => [path, path.endsWith(".tf") ? `${content}\n# reviewed\n` : content]));
      expect(await classifyTerraformChanges(tree, commented)).toEqual(none);
    }
  });

  it("starts no WebAssembly tool to render, format and validate any shipped blueprint, nor to plan it unchanged (a child process, as the CLI runs)", async () => {
    const script = join(tempDir("ccr-tf-native-"), "render.mjs");
    mkdirSync(join(script, ".."), { recursive: true });
    const fixtures = paramsFixtures("valid").map((fixture) => ({ blueprint: fixture.blueprint, params: fixture.params }));
    writeFileSync(
      script,
      `import { createRequire } from "node:module";
const { createClusterRepo } = await import(${JSON.stringify(join(repoRoot, "dist", "index.js"))});
const { classifyTerraformChanges } = await import(${JSON.stringify(join(repoRoot, "dist", "update", "terraform-changes.js"))});
for (const { blueprint, params } of ${JSON.stringify(fixtures)}) {
  const result = await createClusterRepo({ blueprint, targetDir: ${JSON.stringify(join(script, "..", "repo"))}, params: { values: params }, dryRun: true }).catch((error) => ({ error }));
  if (result.error && result.error.name !== "ValidationFailedError") throw result.error;
  if (result.tree) await classifyTerraformChanges(result.tree, new Map(result.tree)); // plan, check, update with Terraform unchanged
}
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes("@cdktf"))));
`,
    );
    const loaded = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [script], { timeout: 240_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(JSON.parse(loaded)).toEqual([]);
  });
});
