/**
 * The `update --pr` body quotes the repository: the diff of its files, paths, parameter values. A file holding a
 * fence (```) must not close the diff's code block and turn the rest into Markdown of the author's choosing, a value
 * must not leave its code span or its table cell, and the body must stay within GitHub's 65,536 characters, cut
 * with a note saying how to see the whole diff. Checked by parsing the body with a CommonMark parser.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Parser, type Node } from "commonmark";
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { codeSpan, fencedBlock } from "../src/markdown.js";
import { describePlan, MAX_PULL_REQUEST_BODY, planDiff, pullRequestBody, type ChangeDescription } from "../src/update/describe.js";
import { planUpdate } from "../src/update/plan.js";
import { recordingCli, runCli, tempDir } from "./helpers/cli.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

const TOKEN = "ghp_PullRequestBodyToken0123456789abcdefXYZ";
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=Team", "-c", "user.email=team@example.com", ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();

/** Every node of a parsed Markdown document, in order. */
function nodes(markdown: string): Node[] {
  const walker = new Parser().parse(markdown).walker();
  const out: Node[] = [];
  for (let event = walker.next(); event; event = walker.next()) if (event.entering) out.push(event.node);
  return out;
}
const diffBlocks = (body: string) => nodes(body).filter((node) => node.type === "code_block" && node.info === "diff");
const headings = (body: string) => nodes(body).filter((node) => node.type === "heading").map((node) => node.firstChild?.literal ?? "");

/** Hostile lines a team member (or a prepared repository) can put in a file the diff shows. */
const HOSTILE = ["```", "# Injected heading", "````", "<img src=x onerror=alert(1)>", "~~~", "`````` closing?"];

describe("the diff and the values stay inside their code", () => {
  const work = tempDir("ccr-trust-pr-body-");
  let change: ChangeDescription;

  beforeAll(async () => {
    const dir = join(work, "fleet");
    expect((await runCli(["-b", "kapsule-gpu", "-y", dir])).status).toBe(0);
    change = describePlan(await planUpdate(dir, { sets: [{ path: ["gpuPool", "maxSize"], raw: "3", source: "--set" }] }));
  });

  /** A file whose one changed line sits among `lines`: they appear in the diff as context (" ```", one space in). */
  const withContext = (path: string, lines: string[]): ChangeDescription => ({
    ...change,
    before: new Map([...change.before, [path, [...lines.slice(0, 3), "old line", ...lines.slice(3), ""].join("\n")]]),
    after: new Map([...change.after, [path, [...lines.slice(0, 3), "new line", ...lines.slice(3), ""].join("\n")]]),
  });

  test("a file holding fences of every length: one diff block holding the whole diff, no heading out of it", () => {
    const hostile = withContext("docs/notes.md", HOSTILE);
    const body = pullRequestBody(hostile);
    const blocks = diffBlocks(body);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.literal).toBe(`${planDiff(hostile).trimEnd()}\n`);
    expect(blocks[0]!.literal).toContain("\n # Injected heading\n");
    expect(headings(body)).toEqual(["What changes", "Validation"]);
    expect(nodes(body).filter((node) => node.type === "html_inline" || node.type === "html_block").map((node) => node.literal?.trim())).toEqual(["<details><summary>Diff</summary>", "</details>"]);
  });

  test("code spans and fences show any text exactly (property)", () => {
    const text = fc.string({ unit: fc.constantFrom("`", "``", " ", "a", "|", "\\", "*", "<b>", "#") , maxLength: 30 });
    fc.assert(
      fc.property(text, (value) => {
        const line = value.replace(/\n/g, " ");
        const spans = nodes(`x ${codeSpan(line)} y\n`).filter((node) => node.type === "code");
        expect(spans.map((node) => node.literal)).toEqual([line === "" ? " " : line]);
        const inside = `${value}\n${value}`;
        const blocks = nodes(`${fencedBlock(inside, "diff")}\n\nafter\n`).filter((node) => node.type === "code_block");
        expect(blocks.map((node) => node.literal)).toEqual([inside.endsWith("\n") ? inside : `${inside}\n`]);
      }),
      { numRuns: 300 },
    );
  });

  test("a parameter value with backticks, a pipe and a line break stays one table row, in its code span", () => {
    const value = "a`b``|c\nd";
    const body = pullRequestBody({ ...change, paramChanges: [{ path: "labels[\"x|y\"]", from: "``", to: value }] });
    const row = body.split("\n").find((line) => line.startsWith("| ") && line.includes("x\\|y"))!;
    expect(row).toBeDefined();
    // A GitHub table splits cells on unescaped pipes first: three cells, then each is a code span.
    const cells = row.slice(2, -2).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
    expect(cells).toHaveLength(3);
    expect(cells.map((cell) => nodes(cell).filter((node) => node.type === "code").map((node) => node.literal))).toEqual([['labels["x|y"]'], ["``"], [JSON.stringify(value)]]);
  });
});

describe("the body stays within GitHub's limit", () => {
  const work = tempDir("ccr-trust-pr-body-limit-");
  let change: ChangeDescription;

  beforeAll(async () => {
    const dir = join(work, "fleet");
    expect((await runCli(["-b", "kapsule-gpu", "-y", dir])).status).toBe(0);
    change = describePlan(await planUpdate(dir, { sets: [{ path: ["cni"], raw: "calico", source: "--set" }] }));
  });

  test("a diff of 20,000 lines: cut at a line, with a note naming the command that shows it whole", () => {
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"```".repeat(i % 3)}`).join("\n");
    const hostile: ChangeDescription = { ...change, after: new Map([...change.after, ["docs/big.md", `${big}\n`]]) };
    const body = pullRequestBody(hostile, { base: "main", head: "create-cluster-repo/cni-calico" });
    expect(body.length).toBeLessThanOrEqual(MAX_PULL_REQUEST_BODY);
    expect(body.length).toBeGreaterThan(MAX_PULL_REQUEST_BODY - 2_000); // the room is used, not wasted
    const [block, ...others] = diffBlocks(body);
    expect(others).toEqual([]);
    const whole = planDiff(hostile);
    expect(whole.startsWith(block!.literal!)).toBe(true);
    const shown = block!.literal!.split("\n").length - 1;
    expect(body).toContain(`**The diff is cut after ${shown} of its ${whole.trimEnd().split("\n").length} lines**`);
    expect(body).toContain("run `git fetch origin && git diff origin/main...origin/create-cluster-repo/cni-calico` in the repository, or see the Files tab");
    expect(nodes(body).filter((node) => node.type === "heading").map((node) => node.firstChild?.literal)).toEqual(["What changes", "Validation"]);
  });

  test("any mix of long lists, long values and long diffs fits (property)", () => {
    const arbitrary = fc.record({
      params: fc.nat({ max: 3_000 }),
      valueLength: fc.nat({ max: 70_000 }),
      files: fc.nat({ max: 400 }),
      lines: fc.nat({ max: 3_000 }),
      conflicts: fc.nat({ max: 2_000 }),
    });
    fc.assert(
      fc.property(arbitrary, ({ params, valueLength, files, lines, conflicts }) => {
        const after = new Map(change.after);
        for (let f = 0; f < files; f++) after.set(`apps/app-${f}/values.yaml`, `${"x: `y`\n".repeat(lines)}`);
        const long = "v".repeat(valueLength);
        const body = pullRequestBody({
          ...change,
          after,
          paramChanges: Array.from({ length: params }, (_, i) => ({ path: `labels.k${i}`, from: i === 0 ? long : "a", to: `b${i}` })),
          conflicts: Array.from({ length: conflicts }, (_, i) => ({ path: `apps/app-${i}/values.yaml`, reason: "committed with conflict markers" })),
        });
        expect(body.length).toBeLessThanOrEqual(MAX_PULL_REQUEST_BODY);
        expect(diffBlocks(body).length).toBeLessThanOrEqual(1);
        expect(headings(body).slice(-2)).toEqual(["What changes", "Validation"]);
      }),
      { numRuns: 25, examples: [[{ params: 3_000, valueLength: 70_000, files: 400, lines: 3_000, conflicts: 2_000 }]] },
    );
  });
});

describe("through update --pr: the body GitHub receives", () => {
  const work = tempDir("ccr-trust-pr-body-e2e-");
  const servers = useGitHubDouble(TOKEN);
  const { cli } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" });

  test("a team edit holding fences next to a changed line: the diff stays in one block", async () => {
    const dir = join(work, "fleet");
    const created = await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/fleet", "--github-api-url", servers.api.url, dir]);
    expect(created.status, created.stderr).toBe(0);
    // Two lines below the line gpuPool.maxSize changes (inside the diff's context), out of the merge's way.
    const readme = readFileSync(join(dir, "README.md"), "utf8").split("\n");
    const at = readme.findIndex((line) => line.startsWith("- `gpu`:")) + 2;
    readme.splice(at, 0, ...HOSTILE, "");
    writeFileSync(join(dir, "README.md"), readme.join("\n"));
    git(dir, "commit", "-qam", "notes");
    const run = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--github-api-url", servers.api.url]);
    expect(run.status, run.stderr).toBe(0);
    const body = servers.api.state().pulls[0]!.body!;
    const blocks = diffBlocks(body);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.literal).toContain(" # Injected heading\n");
    expect(blocks[0]!.literal).toContain("+- `gpu`: L4-1-24G GPU nodes in `fr-par-2`, autoscaled between 0 and 3");
    expect(headings(body)).toEqual(["What changes", "Validation"]);
    expect(servers.api.takeViolations()).toEqual([]);
  });
});
