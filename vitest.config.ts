import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Timeouts only stop a hung test. A test that spawns the CLI a few times takes seconds on a quiet machine and can
    // take ten times longer on 2 cores shared with other CPU-bound work; the suite must pass there too.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: "forks",
    // Most suites wait on child processes (the CLI, git, local servers) more than they compute: one worker more
    // than the 2 CI cores cuts the run from about 240 s to 160 s there.
    maxWorkers: 3,
    minWorkers: 1,
  },
});
