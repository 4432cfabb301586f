// The test worker's view of a child that its spawner started (test/setup/spawner/process.mjs): what callers of spawn
// and execFile use of a ChildProcess — pid, stdin/stdout/stderr streams, 'spawn', 'exit', 'close', kill, ref/unref —
// fed by one socket connection that carries the child's streams and events in frames (wire.mjs).
import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import { Readable, Writable } from "node:stream";
import { decode, frame, FRAME, FrameReader } from "./wire.mjs";

export interface ChildStart {
  kind: "spawn" | "execFile";
  id: number;
  pid: number;
  socket: string;
  file: string;
  args: readonly string[];
  stdio: unknown;
  /** execFile's callback: (error, stdout, stderr) as Node's execFile gave them in the spawner. */
  callback?: (...results: unknown[]) => void;
}

/** "pipe" or "ignore" for stdin, stdout, stderr (the only modes the worker sends here). */
function modes(stdio: unknown): string[] {
  const list = Array.isArray(stdio) ? stdio : [stdio, stdio, stdio];
  return [0, 1, 2].map((index) => (list[index] === "ignore" ? "ignore" : "pipe"));
}

/** A child's stdout or stderr here; destroying it closes the child's pipe in the spawner too (the child gets EPIPE). */
const reading = (socket: Socket, name: "stdout" | "stderr") =>
  new Readable({
    read() {},
    destroy(error, done) {
      if (!socket.destroyed) socket.write(frame(FRAME.destroy, name));
      done(error);
    },
  });

export class SpawnedElsewhere extends EventEmitter {
  readonly pid: number;
  readonly spawnfile: string;
  readonly spawnargs: string[];
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: [Writable | null, Readable | null, Readable | null];
  readonly connected = false;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  killed = false;
  #socket: Socket;
  #closed = false;

  constructor(start: ChildStart) {
    super();
    this.pid = start.pid;
    this.spawnfile = start.file;
    this.spawnargs = [start.file, ...start.args];
    const [stdin, stdout, stderr] = modes(start.kind === "execFile" ? "pipe" : start.stdio);
    const socket = connect(start.socket);
    this.#socket = socket;
    this.stdin =
      stdin === "pipe"
        ? new Writable({
            write: (chunk: Buffer, _encoding, done) => void socket.write(frame(FRAME.stdin, chunk), () => done()),
            final: (done) => void socket.write(frame(FRAME.stdinEnd), () => done()),
          })
        : null;
    this.stdout = stdout === "pipe" ? reading(socket, "stdout") : null;
    this.stderr = stderr === "pipe" ? reading(socket, "stderr") : null;
    this.stdio = [this.stdin, this.stdout, this.stderr];
    socket.write(frame(FRAME.hello, JSON.stringify({ id: start.id })));
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      for (const [type, payload] of reader.push(chunk)) this.#receive(type, payload, start.callback);
    });
    socket.on("error", () => undefined); // the close below reports a connection lost early
    socket.on("close", () => {
      if (!this.#closed) this.emit("error", new Error(`the test spawner lost ${this.spawnfile} (pid ${this.pid}) before it ended (test/setup/spawner)`));
    });
    process.nextTick(() => this.emit("spawn"));
  }

  #receive(type: number, payload: Buffer, callback: ChildStart["callback"]): void {
    const stream = type === FRAME.stdout || type === FRAME.stdoutEnd ? this.stdout : type === FRAME.stderr || type === FRAME.stderrEnd ? this.stderr : undefined;
    if (stream !== undefined) {
      if (stream && !stream.destroyed) stream.push(type === FRAME.stdout || type === FRAME.stderr ? payload : null);
      return;
    }
    if (type === FRAME.exit) {
      const { code, signal } = decode(payload.toString("utf8")) as { code: number | null; signal: NodeJS.Signals | null };
      this.exitCode = code;
      this.signalCode = signal;
      this.emit("exit", code, signal);
    } else if (type === FRAME.close) {
      const { code, signal } = decode(payload.toString("utf8")) as { code: number | null; signal: NodeJS.Signals | null };
      this.#close(() => this.emit("close", code, signal));
    } else if (type === FRAME.result) {
      const { error, stdout, stderr } = decode(payload.toString("utf8")) as { error: Error | null; stdout: string | Buffer; stderr: string | Buffer };
      if (stdout.length > 0) this.stdout!.push(stdout);
      if (stderr.length > 0) this.stderr!.push(stderr);
      // Node's execFile answers from the first 'close' listener, before any the caller added.
      this.#close(() => {
        callback!(error ?? null, stdout, stderr);
        this.emit("close", this.exitCode, this.signalCode);
      });
    }
  }

  /** 'close' comes after the output streams that someone reads have ended, as with Node's own child. */
  #close(emit: () => void): void {
    this.#closed = true;
    const waits = [this.stdout, this.stderr].flatMap((stream) => {
      if (!stream) return [];
      if (stream.destroyed) return [];
      stream.push(null); // no-op when its end came already
      return stream.readableFlowing === null || stream.readableEnded ? [] : [new Promise((done) => stream.once("end", done))];
    });
    if (waits.length === 0) process.nextTick(emit);
    else void Promise.all(waits).then(emit);
  }

  kill(signal?: NodeJS.Signals | number): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false;
    this.#socket.write(frame(FRAME.kill, signal === undefined ? "" : String(signal)));
    this.killed = true;
    return true;
  }

  ref(): void {
    this.#socket.ref();
  }

  unref(): void {
    this.#socket.unref();
  }
}

export type StartedChild = SpawnedElsewhere;
