import { defineConfig } from "vitest/config";

/**
 * Files that replace modules (vi.mock) or change process-wide state (environment variables, process spies) for their
 * own tests: each runs in a fresh worker. The forks pool reads its isolation once for the whole run, so these use
 * the threads pool (isolated, a worker thread per file) and every other file uses the forks pool without isolation.
 */
const ISOLATED = ["test/faults-disk.test.ts", "test/git.test.ts", "test/yaml-front-end.test.ts", "test/terraform-workflow-script.test.ts"];

export default defineConfig({
  test: {
    // Timeouts only stop a hung test. A test that spawns the CLI a few times takes seconds on a quiet machine and can
    // take ten times longer on 2 cores shared with other CPU-bound work; the suite must pass there too.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // Removes each file's temp folders when it ends (see test/helpers/cli.ts tempDir).
    setupFiles: ["test/setup/temp-dirs.ts"],
    // Most suites wait on child processes (the CLI, git, local servers) more than they compute: one worker more
    // than the 2 CI cores keeps both busy.
    maxWorkers: 3,
    // As many as the most: tinypool retiring an idle non-isolated worker ends the run with "Unhandled Rejection:
    // Terminating worker thread" (vitest 3.2) although every test passed.
    minWorkers: 3,
    // A worker runs file after file with the modules it already loaded (Ajv, YAML, the GitHub OpenAPI description...):
    // about 70 of the suite's CPU seconds, some 35 s of the run on 2 cores. Tests clean up what they start.
    pool: "forks",
    poolOptions: { forks: { isolate: false }, threads: { isolate: true } },
    projects: [
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: ISOLATED } },
      { extends: true, test: { name: "isolated", include: ISOLATED, pool: "threads" } },
    ],
  },
});
