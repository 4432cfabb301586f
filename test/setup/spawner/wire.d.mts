// Types of wire.mjs for the TypeScript side (the worker); the spawner runs the JavaScript as it is.
export function encode(value: unknown): string;
export function decode(text: string): unknown;
export const FRAME: Record<"hello" | "stdin" | "stdinEnd" | "kill" | "destroy" | "stdout" | "stdoutEnd" | "stderr" | "stderrEnd" | "exit" | "close" | "result", number>;
export function frame(type: number, payload?: string | Buffer): Buffer;
export class FrameReader {
  push(chunk: Buffer): Array<[number, Buffer]>;
}
