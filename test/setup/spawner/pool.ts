// vitest globalSetup (vitest.config.ts): starts the spawners that test workers start their child processes from
// (test/setup/spawner/README.md), while this process is still small, and waits for each to end at teardown so that
// their CPU time and their children's counts in `time npm test`. Workers find the slots in CCR_TEST_SPAWNER_SLOTS.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SPAWNER = fileURLToPath(new URL("process.mjs", import.meta.url));

/**
 * One slot per worker that can run at once (vitest.config.ts maxWorkers), and one more: a worker that ends frees its
 * slot a moment later, when its spawner sees the FIFO close. A worker that finds no free slot forks as before.
 */
export async function setup({ config }: { config: { maxWorkers?: number } }): Promise<(() => Promise<void>) | undefined> {
  if (process.env.CCR_TEST_SPAWNER_SLOTS !== undefined || process.env.CCR_TEST_SPAWNER === "0") return undefined;
  const pool = await startSpawners((config.maxWorkers ?? 3) + 1);
  process.env.CCR_TEST_SPAWNER_SLOTS = pool.slots.join(":");
  return async () => {
    await pool.stop();
    delete process.env.CCR_TEST_SPAWNER_SLOTS;
  };
}

export interface Spawners {
  /** One folder per spawner: req, res, sock, and lock while a worker holds it. */
  slots: string[];
  processes: ChildProcess[];
  /** Closes each spawner's stdin, waits for it to exit, removes the folders. */
  stop(): Promise<void>;
}

export async function startSpawners(count: number): Promise<Spawners> {
  const root = mkdtempSync(join(tmpdir(), "ccr-test-spawner-"));
  const slots = Array.from({ length: count }, (_, index) => join(root, String(index)));
  for (const dir of slots) mkdirSync(dir);
  // Node has no mkfifo; one process for all the FIFOs.
  const made = spawnSync("mkfifo", slots.flatMap((dir) => [join(dir, "req"), join(dir, "res")]), { stdio: "inherit" });
  if (made.status !== 0) throw new Error(`mkfifo failed (${made.error?.message ?? made.status}): the test spawner needs it (coreutils)`);
  const spawners: ChildProcess[] = [];
  for (const dir of slots) {
    const child = spawn(process.execPath, [SPAWNER, dir], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, UV_THREADPOOL_SIZE: "8" } });
    spawners.push(child);
    const [line] = (await once(child.stdout!, "data")) as [Buffer];
    if (line.toString() !== "ready\n") throw new Error(`test spawner did not start: ${line.toString()}`);
  }
  return {
    slots,
    processes: spawners,
    async stop() {
      await Promise.all(spawners.map((child) => (child.exitCode === null && child.signalCode === null ? (child.stdin!.end(), once(child, "exit")) : undefined)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
