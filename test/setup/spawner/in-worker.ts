// Runs in every test file (vitest.config.ts setupFiles). Once per test worker, takes a free spawner slot made by
// test/setup/spawner/pool.ts and routes node:child_process's spawn, spawnSync, execFile, execFileSync and execSync
// through that spawner (test/setup/spawner/process.mjs), so that the big worker does not fork (README.md there says
// why). Product code still calls node:child_process as users run it; only the test process's exports are replaced.
// Whatever is not safe to run elsewhere falls through to Node's own function unchanged: stdio other than pipe/ignore
// (an inherited terminal, extra fds, IPC), detached children, AbortSignals, exec and fork, worker threads.
import type * as ChildProcessModule from "node:child_process";
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { isMainThread } from "node:worker_threads";
import { decode, encode } from "./wire.mjs";
import { SpawnedElsewhere, type StartedChild } from "./child.js";

const childProcess = createRequire(import.meta.url)("node:child_process") as typeof ChildProcessModule;
const INSTALLED = Symbol.for("create-cluster-repo.test-spawner");
const global = globalThis as { [INSTALLED]?: Routed };

/** The spawner slot this worker holds: its FIFOs (blocking fds) and its socket's path. */
export interface Slot {
  requests: number;
  answers: number;
  socket: string;
}

/** Takes the first free slot (its lock file made exclusively); none free: this worker forks as before. */
export function claimSlot(dirs: string[]): Slot | undefined {
  for (const dir of dirs) {
    let lock: number;
    try {
      lock = openSync(join(dir, "lock"), "wx");
    } catch {
      continue;
    }
    writeSync(lock, String(process.pid));
    closeSync(lock);
    // The spawner holds both FIFOs open read-write, so these opens do not wait; these ends block, as readSync needs.
    const requests = openSync(join(dir, "req"), "w");
    const answers = openSync(join(dir, "res"), "r");
    // Open while this process lives: when it closes, the spawner frees the slot (process.mjs endSession).
    const session = connect(join(dir, "session"));
    session.on("error", () => undefined);
    session.unref();
    return { requests, answers, socket: join(dir, "sock") };
  }
  return undefined;
}

/** One synchronous call: a JSON line out, a JSON line back (the worker blocks here as it would in spawnSync). */
function ask(slot: Slot, request: unknown): { value?: unknown; thrown?: Error } {
  const out = Buffer.from(`${encode(request)}\n`, "utf8");
  for (let written = 0; written < out.length; ) written += writeSync(slot.requests, out, written);
  const chunks: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    const read = readSync(slot.answers, buffer, 0, buffer.length, null);
    if (read === 0) throw new Error("test spawner ended while answering (test/setup/spawner)");
    const chunk = Buffer.from(buffer.subarray(0, read));
    chunks.push(chunk);
    if (chunk[read - 1] === 0x0a) break;
  }
  return decode(Buffer.concat(chunks).toString("utf8")) as { value?: unknown; thrown?: Error };
}

type Options = Record<string, unknown> | undefined;

const QUIET_STDIO = new Set(["pipe", "ignore", "overlapped", null, undefined]);

/** Options the spawner can take as they are: plain data, no terminal, no extra fds, no IPC, not detached. */
function portable(options: Options): boolean {
  if (options === undefined || options === null) return true;
  if (typeof options !== "object" || Array.isArray(options)) return false;
  if (options.signal !== undefined || options.detached || (options.cwd !== undefined && typeof options.cwd !== "string")) return false;
  const stdio = options.stdio;
  if (Array.isArray(stdio)) return stdio.length <= 3 && stdio.every((entry) => QUIET_STDIO.has(entry as string));
  return QUIET_STDIO.has(stdio as string);
}

/** The options with this process's working directory and environment at the time of the call, as Node would use. */
function here(options: Options): Record<string, unknown> {
  return { ...options, cwd: options?.cwd ?? process.cwd(), env: { ...((options?.env as object | undefined) ?? process.env) } };
}

/** Splits (file, args?, options?, callback?) as child_process does; undefined when the shape is not a plain one. */
function split(call: unknown[]): { file: string; args: readonly string[]; options: Options; callback?: (...results: unknown[]) => void } | undefined {
  const rest = [...call];
  const callback = typeof rest.at(-1) === "function" ? (rest.pop() as (...results: unknown[]) => void) : undefined;
  const [file, second, third] = rest;
  if (typeof file !== "string" || rest.length > 3) return undefined;
  if (Array.isArray(second)) return second.every((arg) => typeof arg === "string") ? { file, args: second, options: third as Options, callback } : undefined;
  if (rest.length === 3 && second != null) return undefined;
  const options = (rest.length === 3 ? third : second) as Options;
  return { file, args: [], options, callback };
}

type Routed = Pick<typeof ChildProcessModule, "spawn" | "spawnSync" | "execFile" | "execFileSync" | "execSync">;

/** Node's own functions, also once this worker's exports are replaced (the spawner's tests compare with them). */
export function nodeOwn(): Routed {
  return global[INSTALLED] ?? { spawn: childProcess.spawn, spawnSync: childProcess.spawnSync, execFile: childProcess.execFile, execFileSync: childProcess.execFileSync, execSync: childProcess.execSync };
}

/** The five functions going through the spawner of `slot`, falling through to `real` for what they do not route. */
export function throughSlot(slot: Slot, real: Routed): Routed {

  /** spawnSync, execFileSync, execSync: Node's own function runs in the spawner; its value or error comes back. */
  const throughSpawner = (name: "spawnSync" | "execFileSync" | "execSync") =>
    function (this: unknown, ...call: unknown[]) {
      const parsed = name === "execSync" ? (typeof call[0] === "string" && call.length <= 2 ? { file: call[0], options: call[1] as Options } : undefined) : split(call);
      if (!parsed || (parsed as { callback?: unknown }).callback || !portable(parsed.options)) return (real[name] as (...args: unknown[]) => unknown).apply(this, call);
      const args = name === "execSync" ? [parsed.file, here(parsed.options)] : [parsed.file, (parsed as unknown as { args: string[] }).args, here(parsed.options)];
      const answer = ask(slot, { fn: name, args });
      if (answer.thrown) throw answer.thrown;
      return answer.value;
    };

  /** Starts the child in the spawner; its streams and events come over a connection to the spawner's socket. */
  function start(kind: "spawn" | "execFile", file: string, args: readonly string[], options: Options, callback?: (...results: unknown[]) => void): StartedChild | undefined {
    const answer = ask(slot, { fn: "spawnStart", kind, args: [file, args, here(options)] });
    const started = answer.value as { id: number; pid: number } | { failed: true };
    if ("failed" in started) return undefined;
    return new SpawnedElsewhere({ kind, id: started.id, pid: started.pid, socket: slot.socket, file, args, stdio: options?.stdio, callback });
  }

  const spawn = function (this: unknown, ...call: unknown[]) {
    const parsed = split(call);
    if (!parsed || parsed.callback || !portable(parsed.options)) return (real.spawn as (...args: unknown[]) => unknown).apply(this, call);
    return start("spawn", parsed.file, parsed.args, parsed.options) ?? (real.spawn as (...args: unknown[]) => unknown).apply(this, call);
  };

  const execFile = function (this: unknown, ...call: unknown[]) {
    const parsed = split(call);
    // execFile without a callback only starts a process: left to Node, as are its stdio-less option shapes we do not know.
    if (!parsed || !parsed.callback || !portable(parsed.options) || parsed.options?.stdio !== undefined) return (real.execFile as (...args: unknown[]) => unknown).apply(this, call);
    return start("execFile", parsed.file, parsed.args, parsed.options, parsed.callback) ?? (real.execFile as (...args: unknown[]) => unknown).apply(this, call);
  };
  // util.promisify(execFile) resolves { stdout, stderr } and puts both on the error, with the child on the promise.
  Object.defineProperty(execFile, promisify.custom, {
    value: (...call: unknown[]) => {
      let child: unknown;
      const promise = new Promise((resolve, reject) => {
        child = execFile(...call, (error: (Error & { stdout?: unknown; stderr?: unknown }) | null, stdout: unknown, stderr: unknown) => {
          if (error) reject(Object.assign(error, { stdout, stderr }));
          else resolve({ stdout, stderr });
        });
      });
      return Object.assign(promise, { child });
    },
  });

  return { spawn, execFile, spawnSync: throughSpawner("spawnSync"), execFileSync: throughSpawner("execFileSync"), execSync: throughSpawner("execSync") } as unknown as Routed;
}

if (!global[INSTALLED] && isMainThread && process.env.CCR_TEST_SPAWNER_SLOTS) {
  const real = nodeOwn();
  const slot = claimSlot(process.env.CCR_TEST_SPAWNER_SLOTS.split(":"));
  global[INSTALLED] = real;
  if (slot) {
    Object.assign(childProcess, throughSlot(slot, real));
    syncBuiltinESMExports();
  }
}
