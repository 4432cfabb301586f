import { defineConfig } from "vitest/config";

/**
 * Files that replace modules (vi.mock) or change process-wide state (environment variables, process spies) for their
 * own tests: each runs in a fresh worker (a forks child of its own). Every other file shares a non-isolated forks
 * worker. Vitest 4 reads `isolate` per project (vitest 3 read the forks pool's isolation once for the whole run, which
 * is why these files once used the threads pool).
 */
const ISOLATED = ["test/faults-disk.test.ts", "test/git.test.ts", "test/yaml-front-end.test.ts", "test/terraform-workflow-script.test.ts"];

export default defineConfig({
  test: {
    // Timeouts only stop a hung test. A test that spawns the CLI a few times takes seconds on a quiet machine and can
    // take ten times longer on 2 cores shared with other CPU-bound work; the suite must pass there too.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // Removes each file's temp folders when it ends (see test/helpers/cli.ts tempDir). With CCR_TEST_CPU_LOG=<file>,
    // also logs each file's CPU seconds (test/setup/cpu-per-file.ts).
    // Child processes start from small spawner processes, not from the big test worker (test/setup/spawner/README.md).
    globalSetup: ["test/setup/spawner/pool.ts"],
    setupFiles: ["test/setup/spawner/in-worker.ts", "test/setup/temp-dirs.ts", ...(process.env.CCR_TEST_CPU_LOG ? ["test/setup/cpu-per-file.ts"] : [])],
    // Most suites wait on child processes (the CLI, git, local servers) more than they compute: one worker more
    // than the 2 CI cores keeps both busy. One pool serves both projects, so this is the limit for the whole run.
    maxWorkers: 3,
    // No minWorkers: vitest 4 removed it with tinypool, whose retiring of an idle non-isolated worker ended vitest 3.2
    // runs with "Unhandled Rejection: Terminating worker thread"; vitest 4 keeps a shared worker while files remain.
    // A worker runs file after file with the modules it already loaded (Ajv, YAML, the GitHub OpenAPI description...):
    // about 70 of the suite's CPU seconds, some 35 s of the run on 2 cores. Tests clean up what they start.
    pool: "forks",
    projects: [
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: ISOLATED, isolate: false } },
      { extends: true, test: { name: "isolated", include: ISOLATED, isolate: true } },
    ],
  },
});
