/**
 * The CLI's output read by a program that stops reading early (`| head -1`): the run is not cut short by an
 * unhandled EPIPE with a stack trace; it ends with the exit code a full read gives, and says nothing more.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cliPath, tempDir } from "./helpers/cli.js";

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the built CLI with `args`; with `closeAfterFirstChunk`, its stdout pipe is closed once the first bytes arrive. */
function runCli(args: string[], closeAfterFirstChunk: boolean): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("error", () => undefined);
    child.stdout.once("data", () => {
      if (closeAfterFirstChunk) child.stdout.destroy();
    });
    if (!closeAfterFirstChunk) child.stdout.resume();
    child.on("close", (status, signal) => resolve({ status, signal, stderr }));
  });
}

/** A folder whose JSON report is far larger than a pipe's buffer, with one invalid object so the exit code is 1. */
function manyManifests(): string {
  const dir = tempDir("ccr-closed-pipe-");
  const objects = Array.from({ length: 3000 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\ndata:\n  key: value\n`);
  objects.push("apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports: not-a-list\n");
  writeFileSync(join(dir, "objects.yaml"), objects.join("---\n"));
  return dir;
}

describe("output read by a program that stops early", () => {
  test("validate -o json: the exit code of a full read, no stack trace", async () => {
    const dir = manyManifests();
    const args = ["validate", "-o", "json", dir];
    const full = await runCli(args, false);
    const cut = await runCli(args, true);
    expect(full.status).toBe(1);
    expect({ status: cut.status, signal: cut.signal }).toEqual({ status: full.status, signal: null });
    expect(cut.stderr).not.toMatch(/EPIPE|Unhandled|node:events/);
    expect(cut.stderr).toBe(full.stderr);
  });
});
