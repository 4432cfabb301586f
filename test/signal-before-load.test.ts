/**
 * A SIGINT or SIGTERM that arrives while the `bin` is still loading the CLI's bundle (the first half second of a run
 * on a cold cache) stops the run with the same message and status as one that arrives later, instead of killing the
 * process silently. The signal is sent by the process itself, from a preloaded hook, at the moment the bundle's file
 * is read: before the CLI's own handlers exist, however busy the machine.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cliPath, tempDir } from "./helpers/cli.js";

/** A `--require` hook that sends `signal` to its own process when the CLI's bundle (dist/cli/cli.cjs) is read. */
function hookSending(signal: NodeJS.Signals): string {
  const file = join(tempDir("ccr-signal-before-load-"), `send-${signal}.cjs`);
  const source = `const fs = require("node:fs");
const readFileSync = fs.readFileSync;
let sent = false;
fs.readFileSync = function (path, ...rest) {
  if (!sent && typeof path === "string" && /[\\\\/]cli[\\\\/]cli\\.cjs$/.test(path)) {
    sent = true;
    process.kill(process.pid, ${JSON.stringify(signal)});
  }
  return readFileSync.call(this, path, ...rest);
};
`;
  writeFileSync(file, source);
  return file;
}

function runStoppedWhileLoading(signal: NodeJS.Signals): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const dir = tempDir("ccr-signal-before-load-repo-");
    writeFileSync(join(dir, "config.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n");
    const child = spawn(process.execPath, ["--require", hookSending(signal), cliPath, "validate", dir], { env: { ...process.env, CCR_CODE_CACHE: "off", NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (status, killedBy) => resolve({ status, signal: killedBy, stderr }));
  });
}

describe("a signal while the CLI's bundle loads", () => {
  test.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)("%s: exits %i and says it was stopped", async (signal, status) => {
    const run = await runStoppedWhileLoading(signal);
    expect({ status: run.status, signal: run.signal }).toEqual({ status, signal: null });
    expect(run.stderr).toBe(`error: stopped by ${signal} before the command finished\n`);
  });
});
