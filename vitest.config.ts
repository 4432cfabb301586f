import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most suites wait on child processes (the CLI, git, local servers) more than they compute: one worker more
    // than the 2 CI cores cuts the run from about 240 s to 160 s there.
    maxWorkers: 3,
    minWorkers: 1,
  },
});
