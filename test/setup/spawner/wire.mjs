// What the test worker and its spawner (process.mjs) send each other. Plain JavaScript so that both the worker (under
// vitest) and the spawner (under node) load the same file.

/**
 * JSON that keeps what child_process takes and gives: Buffers and typed arrays (input, output) and errors (message and
 * own properties: status, signal, stdout, stderr, code, errno, syscall, path, spawnargs, cmd...). Hand-written: the
 * structured clone of node:v8 would keep Buffers but turns an error's own properties and class into a plain Error.
 */
export function encode(value) {
  return JSON.stringify(value, function (key, raw) {
    const original = this[key];
    if (ArrayBuffer.isView(original)) return { $bytes: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64") };
    if (original instanceof Error) {
      // execFileSync's error for a process that did not start holds itself (err.error === err).
      const props = Object.fromEntries(Object.entries(original).filter(([, value]) => value !== original));
      const self = Object.keys(original).filter((name) => original[name] === original);
      return { $error: { name: original.name, message: original.message, props, self } };
    }
    return raw;
  });
}

const ERRORS = { TypeError, RangeError, SyntaxError };

export function decode(text) {
  return JSON.parse(text, (key, value) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      if (typeof value.$bytes === "string") return Buffer.from(value.$bytes, "base64");
      if (value.$error) {
        const { name, message, props, self } = value.$error;
        const error = Object.assign(new (ERRORS[name] ?? Error)(message), props);
        for (const key of self) error[key] = error;
        return error;
      }
    }
    return value;
  });
}

/** Frame types on a child's stream connection: 1 type byte, 4 bytes of length (big-endian), then the payload. */
export const FRAME = {
  hello: 0x68, // worker -> spawner: {"id"} of the child this connection is for
  stdin: 0x69,
  stdinEnd: 0x49,
  kill: 0x6b, // payload: the signal name, empty for the default
  destroy: 0x64, // payload: "stdout" or "stderr", closed by the worker (its reader stopped early)
  stdout: 0x6f,
  stdoutEnd: 0x4f,
  stderr: 0x65,
  stderrEnd: 0x45,
  exit: 0x78, // {"code", "signal"}
  close: 0x63, // {"code", "signal"}
  result: 0x72, // execFile's {"error", "stdout", "stderr"}
};

export function frame(type, payload = "") {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** Cuts a byte stream into [type, payload] frames. */
export class FrameReader {
  #pending = Buffer.alloc(0);

  push(chunk) {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames = [];
    while (this.#pending.length >= 5) {
      const length = this.#pending.readUInt32BE(1);
      if (this.#pending.length < 5 + length) break;
      frames.push([this.#pending[0], this.#pending.subarray(5, 5 + length)]);
      this.#pending = this.#pending.subarray(5 + length);
    }
    return frames;
  }
}
