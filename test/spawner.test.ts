// The test spawner (test/setup/spawner): each call made through it must give what Node's own function gives in this
// process — value, thrown error and its properties, events and their order — and the spawner must end with its
// parent and clean up after a worker that dies. Compared call by call with Node's functions (nodeOwn()).
import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { claimSlot, nodeOwn, throughSlot } from "./setup/spawner/in-worker.js";
import { startSpawners, type Spawners } from "./setup/spawner/pool.js";

const node = nodeOwn();
let spawners: Spawners;
let routed: ReturnType<typeof nodeOwn>;

beforeAll(async () => {
  spawners = await startSpawners(1);
  routed = throughSlot(claimSlot(spawners.slots)!, node);
});
afterAll(() => spawners.stop());

type SyncName = "spawnSync" | "execFileSync" | "execSync";

/** fns[fn](...args) with a `timeout` of 10 s unless the case gives its own (the options are the last argument, if any). */
function bounded(fns: ReturnType<typeof nodeOwn>, fn: SyncName, args: unknown[]): unknown {
  const last = args.at(-1);
  const hasOptions = last !== null && typeof last === "object" && !Array.isArray(last);
  const withTimeout = hasOptions ? [...args.slice(0, -1), { timeout: 10_000, ...(last as object) }] : [...args, { timeout: 10_000 }];
  return (fns[fn] as (...call: unknown[]) => unknown)(...withTimeout);
}

/** What a sync call gave: its value or its error with every own property, the pid (differs by run) left out. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: scrub(call()) };
  } catch (error) {
    const { message, name } = error as Error;
    return { thrown: { name, message, ...(scrub({ ...(error as object) }, error) as object) } };
  }
}
/** `owner`: the error whose properties `value` holds (execFileSync's error for a process that did not start is its own `error`). */
function scrub(value: unknown, owner?: unknown): unknown {
  if (value && typeof value === "object" && !Buffer.isBuffer(value) && !Array.isArray(value)) {
    const { pid, error, ...rest } = value as Record<string, unknown>;
    return { ...bytesAsText(rest) as object, ...(pid === undefined ? {} : { pid: typeof pid }), ...(error === undefined ? {} : { error: error === owner ? "itself" : error === null ? null : outcome(() => { throw error; }) }) };
  }
  return bytesAsText(value);
}

/** Buffers as one string each (same bytes, same string): toEqual compares a Buffer byte by byte, seconds for 5 MB. */
function bytesAsText(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `Buffer(${value.length}) ${value.toString("base64")}`;
  if (Array.isArray(value)) return value.map(bytesAsText);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, bytesAsText(entry)]));
  return value;
}

describe("synchronous calls through the spawner give Node's own result", () => {
  // Each case is [name, function, arguments]: run as fns[function](...arguments), the spawner's and Node's. Every call
  // is bounded (a `timeout` of its own, else 10 s) and takes well under a second: synchronous is what is tested here,
  // and a worker blocked on a child answers nobody (test/suite-under-load.test.ts, whose text check these table rows
  // are outside of).
  const cases: Array<[string, SyncName, unknown[]]> = [
    ["spawnSync: exit code, stdout and stderr", "spawnSync", ["sh", ["-c", "echo out; echo err >&2; exit 3"]]],
    ["spawnSync: a child killed by a signal", "spawnSync", ["sh", ["-c", "kill -TERM $$"]]],
    ["spawnSync: timeout", "spawnSync", ["sleep", ["5"], { timeout: 200 }]],
    ["spawnSync: a command that does not exist", "spawnSync", ["ccr-no-such-command", ["x"]]],
    ["spawnSync: input as a Buffer, encoding", "spawnSync", ["cat", { input: Buffer.from("héllo\n"), encoding: "utf8" }]],
    ["execFileSync: input, encoding", "execFileSync", ["tr", ["a-z", "A-Z"], { input: "héllo wörld", encoding: "utf8" }]],
    ["execFileSync: exit code 4 with stderr", "execFileSync", ["sh", ["-c", "echo partial; echo broken >&2; exit 4"], { stdio: "pipe" }]],
    ["execFileSync: a command that does not exist (ENOENT)", "execFileSync", ["ccr-no-such-command"]],
    ["execFileSync: 5 MB of output", "execFileSync", ["head", ["-c", "5000000", "/dev/zero"], { maxBuffer: 8e6 }]],
    ["execFileSync: output beyond maxBuffer", "execFileSync", ["sh", ["-c", "head -c 2000 /dev/zero; exec sleep 5"], { maxBuffer: 1000 }]],
    ["execSync: a shell command line", "execSync", ["echo $((6 * 7)) | tr 4 X", { encoding: "utf8" }]],
    ["execFileSync: stdin ignored", "execFileSync", ["sh", ["-c", "cat; echo done"], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" }]],
    ["execFileSync: explicit cwd and env", "execFileSync", ["sh", ["-c", 'pwd; echo "$CCR_PROBE"'], { cwd: "/", env: { CCR_PROBE: "given", PATH: process.env.PATH }, encoding: "utf8" }]],
  ];
  for (const [name, fn, args] of cases) {
    it(name, () => {
      expect(outcome(() => bounded(routed, fn, args))).toEqual(outcome(() => bounded(node, fn, args)));
    });
  }

  it("runs the child from the spawner, not from this process", () => {
    const parent = Number(bounded(routed, "execFileSync", ["sh", ["-c", "echo $PPID"], { encoding: "utf8" }]));
    expect(parent).not.toBe(process.pid);
    expect(spawners.processes.map((child) => child.pid)).toContain(parent);
  });

  it("uses this process's working directory and environment at the time of the call when none is given", () => {
    const dir = realpathSync(tempDir("ccr-spawner-"));
    const previous = process.cwd();
    process.env.CCR_SPAWNER_PROBE = "now";
    try {
      process.chdir(dir);
      expect(bounded(routed, "execFileSync", ["sh", ["-c", 'pwd; echo "$CCR_SPAWNER_PROBE"'], { encoding: "utf8" }])).toBe(`${dir}\nnow\n`);
    } finally {
      process.chdir(previous);
      delete process.env.CCR_SPAWNER_PROBE;
    }
  });
});

/** How an asynchronous call ended: callback or promise results, and the child's events in order. */
async function asyncOutcome(start: (fns: ReturnType<typeof nodeOwn>) => Promise<unknown>, fns: ReturnType<typeof nodeOwn>): Promise<unknown> {
  try {
    return { value: scrub(await start(fns)) };
  } catch (error) {
    const { message, name } = error as Error;
    return { thrown: { name, message, ...(scrub({ ...(error as object) }, error) as object) } };
  }
}

/** Runs a spawn to its end: events in order, each stream's bytes. */
function lifecycle(child: ChildProcess, feed?: (child: ChildProcess) => void): Promise<unknown> {
  const events: unknown[] = [];
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += chunk));
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  for (const name of ["spawn", "exit", "error"]) child.on(name, (...args) => events.push([name, ...args.map((arg) => (arg instanceof Error ? (arg as NodeJS.ErrnoException).code : arg))]));
  feed?.(child);
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ events: [...events, ["close", code, signal]], stdout, stderr, killed: child.killed, pid: typeof child.pid })));
}

describe("asynchronous calls through the spawner give Node's own result and events", () => {
  const cases: Array<[string, (fns: ReturnType<typeof nodeOwn>) => Promise<unknown>]> = [
    ["promisified execFile", (fns) => promisify(fns.execFile)("sh", ["-c", "echo out; echo err >&2"])],
    ["promisified execFile: exit code 5, with stdout and stderr on the error", (fns) => promisify(fns.execFile)("sh", ["-c", "echo partial; echo bad >&2; exit 5"])],
    ["execFile: encoding buffer and input on stdin", (fns) => new Promise((resolve) => fns.execFile("cat", { encoding: "buffer" }, (error, stdout) => resolve({ error, stdout })).stdin!.end("stdin bytes"))],
    ["execFile: timeout kills", (fns) => promisify(fns.execFile)("sleep", ["5"], { timeout: 200 })],
    ["execFile: maxBuffer", (fns) => promisify(fns.execFile)("sh", ["-c", "head -c 2000 /dev/zero; exec sleep 5"], { maxBuffer: 1000, encoding: "buffer" })],
    ["execFile: a command that does not exist", (fns) => promisify(fns.execFile)("ccr-no-such-command", [])],
    ["spawn: streams both ways", (fns) => lifecycle(fns.spawn("sh", ["-c", "cat; echo err >&2; exit 2"]), (child) => child.stdin!.end("via stdin\n"))],
    ["spawn: 3 MB of output", (fns) => lifecycle(fns.spawn("sh", ["-c", "head -c 3000000 /dev/zero | tr '\\0' a"])).then((run) => ({ ...(run as object), stdout: (run as { stdout: string }).stdout.length }))],
    ["spawn: killed with SIGKILL", (fns) => lifecycle(fns.spawn("sleep", ["30"], { stdio: ["ignore", "pipe", "pipe"] }), (child) => setTimeout(() => child.kill("SIGKILL"), 50))],
    ["spawn: killed with the default signal", (fns) => lifecycle(fns.spawn("sleep", ["30"], { stdio: "ignore" }), (child) => setTimeout(() => child.kill(), 50))],
    // The child ends before this worker gets to read anything (it is busy): its output must still arrive.
    ["spawn: output of a child that ended while the worker was busy", (fns) => {
      const child = fns.spawn("sh", ["-c", "echo early; echo late >&2"]);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      return lifecycle(child);
    }],
    ["spawn: a command that does not exist", (fns) => lifecycle(fns.spawn("ccr-no-such-command", []))],
  ];
  for (const [name, start] of cases) {
    it(name, async () => {
      expect(await asyncOutcome(start, routed)).toEqual(await asyncOutcome(start, node));
    });
  }

  // A reader that stops early (`| head -1`): the child's next write fails and it ends, as with Node's own pipe. Whether
  // it dies of SIGPIPE or sees EPIPE and exits 0 depends on the SIGPIPE disposition it inherits (Node ignores SIGPIPE,
  // a vitest worker's children do not always), so both are Node's own outcomes; what must not happen is a child that
  // keeps writing into a pipe nobody reads (the hang cli-closed-pipe once met).
  it("spawn: stdout destroyed by its reader ends the child as Node's own pipe does", async () => {
    const start = (fns: ReturnType<typeof nodeOwn>) => new Promise((resolve) => {
      const child = fns.spawn("sh", ["-c", "while echo line; do :; done"], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout!.once("data", () => child.stdout!.destroy());
      child.on("close", (code, signal) => resolve({ code, signal }));
    });
    const endings = [{ value: { code: 0, signal: null } }, { value: { code: null, signal: "SIGPIPE" } }];
    expect(endings).toContainEqual(await asyncOutcome(start, node));
    expect(endings).toContainEqual(await asyncOutcome(start, routed));
  });

  it("starts asynchronous children from the spawner too", async () => {
    const { stdout } = await promisify(routed.execFile)("sh", ["-c", "echo $PPID"]);
    expect(spawners.processes.map((child) => child.pid)).toContain(Number(stdout));
  });
});

describe("the spawner's own life", () => {
  it("ends when its parent closes its stdin, and frees the slot of a worker that died mid-call, killing that worker's child", async () => {
    const own = await startSpawners(1);
    const [slot] = own.slots;
    // A stand-in for a test worker: holds the slot, starts `sleep` through it and is killed before the sleep ends.
    const worker = nodeSpawn(process.execPath, ["--input-type=module", "-e", WORKER_SCRIPT, slot!, join(import.meta.dirname, "setup/spawner/wire.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
    const [line] = (await once(worker.stdout!, "data")) as [Buffer];
    const sleepPid = Number(line.toString());
    expect(alive(sleepPid)).toBe(true);
    expect(existsSync(join(slot!, "lock"))).toBe(true);
    worker.kill("SIGKILL");
    await once(worker, "close");
    await until(() => !alive(sleepPid) && !existsSync(join(slot!, "lock")));
    // The freed slot serves the next worker.
    const next = throughSlot(claimSlot(own.slots)!, node);
    expect(bounded(next, "execFileSync", ["echo", ["again"], { encoding: "utf8" }])).toBe("again\n");
    const spawnerPid = own.processes[0]!.pid!;
    await own.stop();
    expect(alive(spawnerPid)).toBe(false);
  });
});

const WORKER_SCRIPT = `
const [slot, wire] = process.argv.slice(-2);
const { openSync, writeSync, readSync } = await import("node:fs");
const { connect } = await import("node:net");
const { encode, decode, frame, FRAME } = await import(wire);
writeSync(openSync(slot + "/lock", "wx"), String(process.pid));
const requests = openSync(slot + "/req", "w");
const answers = openSync(slot + "/res", "r");
const session = connect(slot + "/session");
writeSync(requests, encode({ fn: "spawnStart", kind: "spawn", args: ["sleep", ["60"], { stdio: "ignore" }] }) + "\\n");
const buffer = Buffer.alloc(4096);
const { value } = decode(buffer.subarray(0, readSync(answers, buffer)).toString());
const socket = connect(slot + "/sock", () => socket.write(frame(FRAME.hello, JSON.stringify({ id: value.id })), () => process.stdout.write(String(value.pid))));
setInterval(() => {}, 1000);
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
}
