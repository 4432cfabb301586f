/**
 * The copy of a workflow actionlint is given where parallel steps and YAML aliases are written in forms it knows
 * (parallel-steps.ts, yaml-aliases.ts): line for line the workflow's, with columns mapped back.
 */
import { describe, expect, test } from "vitest";
import { checkParallelSteps } from "../src/validators/workflows/parallel-steps.js";
import { expandAliases } from "../src/validators/workflows/yaml-aliases.js";
import { lintWorkflows } from "../src/validators/workflows/lint.js";
import { aliasExpansionBudget } from "../src/limits.js";
import { loadYamlLibrary } from "../src/yaml/library.js";

const workflow = [
  "on: push",
  "jobs:",
  "  build:",
  "    runs-on: ubuntu-latest",
  "    steps:",
  "      - id: server",
  "        run: ./serve.sh",
  "        background: true",
  "      - parallel:",
  "          - run: make lint",
  "          - uses: actions/setup-go@v5",
  "            with:",
  "              go-versoin: '1.23'",
  "      - wait:",
  "          - server",
  "      - cancel: server",
  "      - wait-all:",
  "",
].join("\n");

describe("parallel steps as actionlint is shown them", () => {
  test("new step forms become known ones without moving a line; a group's steps join the job's list", async () => {
    const { text, columnShift, problems } = checkParallelSteps("w.yaml", workflow, await loadYamlLibrary());
    expect(problems).toEqual([]);
    const lines = text.split("\n");
    expect(lines).toHaveLength(workflow.split("\n").length);
    expect(lines[7]!.trim()).toBe("");
    expect(lines[8]).toBe("");
    expect(lines[9]).toBe("      - run: make lint");
    expect(lines[12]).toBe("          go-versoin: '1.23'");
    expect(columnShift.get(13)).toBe(4);
    expect(lines[13]).toBe('      - run: ":"');
    expect(lines[14]!.trim()).toBe("");
    expect(lines[15]).toBe('      - run: ":"');
    expect(lines[16]).toBe('      - run: ":"');
  });

  test("actionlint's findings in a group point at the workflow's own line and column", async () => {
    const [result] = await lintWorkflows([{ path: "w.yaml", content: workflow }]);
    expect(result!.problems.map((problem) => [problem.rule, problem.line, problem.column])).toEqual([["actionlint-action", 13, 15]]);
  });
});

describe("YAML aliases as actionlint is shown them", () => {
  test("an alias is written out in flow style on its own line", async () => {
    const text = ["env: &e", "  A: b", "jobs:", "  x:", "    env: *e # shared", "    steps:", "      - &s", "        run: echo", "      - *s", ""].join("\n");
    const expanded = expandAliases("w.yaml", text, await loadYamlLibrary());
    expect(expanded.problems).toEqual([]);
    expect(expanded.text.split("\n")).toEqual(["env: &e", "  A: b", "jobs:", "  x:", '    env: {"A":"b"} # shared', "    steps:", "      - &s", "        run: echo", '      - {"run":"echo"}', ""]);
  });

  test("aliases are written out no further than the budget YAML files have elsewhere", async () => {
    // A 60 kB anchored value aliased 300 times: 18 MB written out in full. (A nested "billion laughs" the yaml
    // library refuses by itself.)
    const uses = Array.from({ length: 300 }, (_, index) => `          V${index}: *big`);
    const text = ["on: push", "jobs:", "  a:", "    runs-on: ubuntu-latest", `    env: {BIG: &big "${"x".repeat(60_000)}"}`, "    steps:", "      - run: echo", "        env:", ...uses, ""].join("\n");
    const expanded = expandAliases("w.yaml", text, await loadYamlLibrary());
    expect(expanded.text.split("\n")).toHaveLength(text.split("\n").length);
    expect(expanded.text.length).toBeLessThanOrEqual(text.length + aliasExpansionBudget(text.length));
    expect(expanded.text.length).toBeGreaterThan(text.length);
  });
});
