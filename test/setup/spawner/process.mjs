// A small long-lived Node process that starts child processes on behalf of one test worker at a time (see
// test/setup/spawner/README.md). Why: a test worker grows to 0.4-0.9 GB, and every fork of it copies its page tables
// and the child frees them again before exec — half the suite's CPU was kernel time spent so. This process stays small.
//
// argv: <slot directory>. In it: `req` and `res` (FIFOs: one JSON line per synchronous call and its answer, the
// worker blocking in readSync), `sock` (a Unix socket: one connection per asynchronous child, for its streams),
// `session` (a Unix socket the worker holding the slot stays connected to) and `lock` (made by that worker, removed
// here when its session ends, the worker alive or dead).
// Ends when its parent (the vitest process) closes its stdin. Plain JavaScript: it runs under `node`, not vitest.
import * as childProcess from "node:child_process";
import { once } from "node:events";
import { constants, openSync, readSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { join } from "node:path";
import { decode, encode, FRAME, frame, FrameReader } from "./wire.mjs";

const dir = process.argv[2];
const lock = join(dir, "lock");

// The parent is gone or done: stop, taking the children of a worker that died mid-call with us.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();

/** Children started for asynchronous calls, by id, until their connection (the worker's streams) claims them. */
const started = new Map();
let nextId = 1;

/** Runs one synchronous call as the worker would have: the same function, arguments and options. */
function runSync(request) {
  if (request.fn === "spawnStart") return startChild(request);
  try {
    return { value: childProcess[request.fn](...request.args) };
  } catch (error) {
    return { thrown: error };
  }
}

/**
 * Starts a child for spawn or execFile and answers at once with its pid; the worker then connects to `sock` with the
 * id for its streams.
 */
function startChild({ kind, args }) {
  const id = nextId++;
  let result;
  let entry;
  const child =
    kind === "execFile"
      ? childProcess.execFile(...args, (error, stdout, stderr) => {
          result = { error, stdout, stderr };
          entry?.onResult?.();
        })
      : childProcess.spawn(...args);
  // A failed start (ENOENT...) is reported by Node on the next tick; the worker then makes the call itself, so that
  // the error and events are exactly Node's.
  if (child.pid === undefined) {
    child.on("error", () => undefined);
    return { value: { failed: true } };
  }
  entry = { child, kind, get result() { return result; }, exit: undefined, closed: undefined, frames: [], send: undefined };
  // Frames wait here until the worker's connection claims the child. Listening at once matters: Node drops the
  // output nobody listens to when the child exits.
  const send = (type, payload) => (entry.send ? entry.send(type, payload) : entry.frames.push(frame(type, payload)));
  child.stdin?.on("error", () => undefined); // a child that exits without reading its input
  if (kind === "spawn") {
    for (const [stream, data, end] of [[child.stdout, FRAME.stdout, FRAME.stdoutEnd], [child.stderr, FRAME.stderr, FRAME.stderrEnd]]) {
      if (!stream) continue;
      stream.on("data", (chunk) => send(data, chunk));
      stream.on("end", () => send(end));
    }
  }
  child.on("exit", (code, signal) => {
    entry.exit = { code, signal };
    if (kind === "spawn") send(FRAME.exit, encode(entry.exit));
  });
  child.on("close", (code, signal) => {
    entry.closed = { code, signal };
    if (kind === "spawn") send(FRAME.close, encode(entry.closed)), entry.done?.();
  });
  started.set(id, entry);
  return { value: { id, pid: child.pid } };
}

/** kill()'s argument as the worker gave it: none, a name or a number. */
const signalOf = (text) => (text === "" ? undefined : /^\d+$/.test(text) ? Number(text) : text);

/** One connection per asynchronous child: stdin and kill from the worker; output, exit, close or result back. */
function serveStreams(socket) {
  const reader = new FrameReader();
  let entry;
  socket.on("error", () => undefined);
  socket.on("close", () => {
    // The worker went away before its child ended: nobody is left to read it.
    if (entry && entry.closed === undefined && entry.result === undefined) entry.child.kill("SIGKILL");
  });
  socket.on("data", (chunk) => {
    for (const [type, payload] of reader.push(chunk)) {
      if (type === FRAME.hello) attach(JSON.parse(payload.toString("utf8")).id);
      else if (type === FRAME.stdin) entry?.child.stdin?.write(payload);
      else if (type === FRAME.stdinEnd) entry?.child.stdin?.end();
      else if (type === FRAME.destroy) entry?.child[payload.toString("utf8")]?.destroy();
      else if (type === FRAME.kill) entry?.child.kill(signalOf(payload.toString("utf8")));
    }
  });
  function attach(id) {
    entry = started.get(id);
    started.delete(id);
    if (!entry) return socket.destroy();
    const send = (type, payload) => socket.write(frame(type, payload));
    if (entry.kind === "execFile") {
      // execFile buffers: the worker gets Node's own result (error, stdout, stderr) in one frame, after 'exit'.
      const finish = () => {
        if (entry.exit) send(FRAME.exit, encode(entry.exit));
        send(FRAME.result, encode(entry.result));
        socket.end();
      };
      if (entry.result !== undefined) finish();
      else entry.onResult = finish;
      return;
    }
    for (const queued of entry.frames) socket.write(queued);
    entry.frames = [];
    entry.send = send;
    entry.done = () => socket.end();
    if (entry.closed) socket.end();
  }
}

// Synchronous calls. Both FIFOs are opened read-write and non-blocking here: the open never waits for a worker, no
// thread of libuv's pool is ever stuck on them (process.exit would wait for it), and they never reach end-of-file.
// A worker's blocking ends (in-worker.ts) are its own open file descriptions.
const requestFd = openSync(join(dir, "req"), constants.O_RDWR | constants.O_NONBLOCK);
const answerFd = openSync(join(dir, "res"), constants.O_RDWR | constants.O_NONBLOCK);
const requests = new Socket({ fd: requestFd, readable: true, writable: false });
const answers = new Socket({ fd: answerFd, readable: false, writable: true });
let pending = "";
requests.on("data", (chunk) => {
  pending += chunk.toString("utf8");
  for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    answers.write(`${encode(runSync(decode(line)))}\n`);
  }
});

/**
 * The worker that holds the slot keeps a connection to `session` open while it lives. When it closes (the worker
 * ended or died, maybe mid-call), what is left of its calls goes and the slot is free again.
 */
function endSession() {
  pending = "";
  for (const [id, entry] of started) {
    entry.child.kill("SIGKILL"); // started for the worker, never connected to: no one would read it
    started.delete(id);
  }
  answers.write("", () => {
    const scratch = Buffer.alloc(1 << 16);
    try {
      while (readSync(answerFd, scratch) > 0); // an answer the dead worker did not read
    } catch {
      // EAGAIN: drained
    }
    rmSync(lock, { force: true });
  });
}

const server = createServer(serveStreams);
server.listen(join(dir, "sock"));
const sessions = createServer((socket) => {
  socket.on("error", () => undefined);
  socket.on("close", endSession);
  socket.resume();
});
sessions.listen(join(dir, "session"));
await Promise.all([once(server, "listening"), once(sessions, "listening")]);
process.stdout.write("ready\n");
