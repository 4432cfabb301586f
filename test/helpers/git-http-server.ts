/**
 * A real git server for tests: Node's http server on 127.0.0.1 running `git http-backend` (the CGI that ships
 * with git) over a temp directory of bare repositories, behind HTTP Basic auth.
 *
 *   const server = await startGitHttpServer({ auth: { username: "x-access-token", password: token } });
 *   const url = await server.createBareRepo("acme/fleet");   // http://127.0.0.1:PORT/acme/fleet.git
 *   ...
 *   await server.close();                                      // also happens on process exit
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface GitHttpServerOptions {
  /** Expected Basic credentials; `false` serves without auth. @default { username: "x-access-token", password: "test-token" } */
  auth?: { username: string; password: string } | false;
  /** Branches a pre-receive hook rejects in every repository created by {@link GitHttpServer.createBareRepo}. */
  protectedBranches?: string[];
  /** Destroy the socket of the first receive-pack (push) request after this many body bytes. */
  dropReceivePackAfterBytes?: number;
  /** Address to listen on, e.g. 127.0.0.2 to stand for another host. @default "127.0.0.1" */
  host?: string;
  /**
   * Refuse every request with a 403 whose text/plain body echoes the Authorization header, raw and decoded (git
   * prints such a body as `remote:` lines), as a misconfigured proxy may.
   */
  echoAuthorization?: boolean;
}

export interface GitHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:43210`. */
  url: string;
  /** The directory holding the bare repositories. */
  root: string;
  /** Creates `<name>.git` (empty, default branch main) and returns its clone URL. Idempotent. */
  createBareRepo(name: string): Promise<string>;
  /** Clone URL of `<name>.git`. */
  repoUrl(name: string): string;
  /** Path of the bare repository `<name>.git`, for inspecting it with git. */
  repoPath(name: string): string;
  /** Rejects pushes to `branch` in `<name>.git` (pre-receive hook, GitHub-like message). */
  protectBranch(name: string, branch: string): Promise<void>;
  /** Drops the connection of the next push after `afterBytes` bytes of its request body (once). */
  dropNextPush(afterBytes: number): void;
  /**
   * `true`: stop listening, so connecting fails with ECONNREFUSED (a server that is down); `false`: listen again
   * on the same port.
   */
  refuseConnections(refuse: boolean): Promise<void>;
  /** The Authorization header of every request that carried one, in order. */
  readonly credentialsSeen: string[];
  /** Number of requests answered with 401. */
  readonly unauthorizedCount: number;
  /** What a server would log: one line per request (method, URL, status) and git http-backend's stderr. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

const BACKEND = path.join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-http-backend");

export async function startGitHttpServer(options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const root = mkdtempSync(path.join(os.tmpdir(), "ccr-git-http-"));
  const auth = options.auth === undefined ? { username: "x-access-token", password: "test-token" } : options.auth;
  const children = new Set<ChildProcess>();
  const protectedByRepo = new Map<string, Set<string>>();
  let dropAfter = options.dropReceivePackAfterBytes;
  let unauthorized = 0;
  const log: string[] = [];
  const credentialsSeen: string[] = [];

  const server = http.createServer((req, res) => {
    if (req.headers.authorization) credentialsSeen.push(req.headers.authorization);
    res.on("finish", () => log.push(`${req.method} ${req.url} ${res.statusCode}`));
    if (options.echoAuthorization) {
      req.resume();
      const header = req.headers.authorization ?? "";
      const decoded = Buffer.from(header.replace(/^Basic\s+/i, ""), "base64").toString("utf8");
      res.writeHead(403, { "Content-Type": "text/plain" }).end(`access denied for Authorization: ${header}\ncredentials were ${decoded}\n`);
      return;
    }
    if (auth && !authorized(req.headers.authorization, auth)) {
      unauthorized++;
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" }).end("authentication required\n");
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "POST" && url.pathname.endsWith("/git-receive-pack") && dropAfter !== undefined) {
      const limit = dropAfter;
      dropAfter = undefined;
      let seen = 0;
      // Never hand the body to git: the push must not land, as when a network drops mid-upload.
      req.on("data", (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= limit) req.socket.destroy();
      });
      req.on("end", () => req.socket.destroy());
      return;
    }
    // curl silently retries a request whose reused keep-alive connection died, so while a drop is armed every
    // connection is fresh and the drop surfaces to git as a real network error.
    if (dropAfter !== undefined) res.setHeader("Connection", "close");
    const child = spawn(BACKEND, [], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: root,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
        REMOTE_USER: auth ? auth.username : "anonymous",
        REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      },
    });
    children.add(child);
    child.on("exit", () => children.delete(child));
    child.on("error", () => res.destroy());
    child.stderr.on("data", (chunk: Buffer) => log.push(`http-backend: ${chunk.toString("utf8").trimEnd()}`));
    req.pipe(child.stdin);
    child.stdin.on("error", () => {});
    pipeCgiResponse(child, res);
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  server.unref();
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;

  const cleanupOnExit = () => rmSync(root, { recursive: true, force: true });
  process.once("exit", cleanupOnExit);

  const repoPath = (name: string) => path.join(root, `${name}.git`);
  const writeHook = async (name: string) => {
    const branches = [...(protectedByRepo.get(name) ?? [])];
    const cases = branches.map((b) => `    refs/heads/${b}) echo "error: GH006: Protected branch update failed for refs/heads/${b}." >&2; exit 1 ;;`).join("\n");
    const hook = path.join(repoPath(name), "hooks", "pre-receive");
    await writeFile(hook, `#!/bin/sh\nwhile read old new ref; do\n  case "$ref" in\n${cases}\n  esac\ndone\nexit 0\n`);
    chmodSync(hook, 0o755);
  };

  const api: GitHttpServer = {
    url: base,
    root,
    repoUrl: (name) => `${base}/${name}.git`,
    repoPath,
    async createBareRepo(name) {
      const dir = repoPath(name);
      await mkdir(path.dirname(dir), { recursive: true });
      await run("git", ["init", "--quiet", "--bare", "--initial-branch=main", dir]);
      await run("git", ["-C", dir, "config", "http.receivepack", "true"]);
      for (const branch of options.protectedBranches ?? []) await api.protectBranch(name, branch);
      return api.repoUrl(name);
    },
    async protectBranch(name, branch) {
      const set = protectedByRepo.get(name) ?? new Set<string>();
      set.add(branch);
      protectedByRepo.set(name, set);
      await writeHook(name);
    },
    async refuseConnections(refuse) {
      if (refuse === !server.listening) return;
      if (refuse) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } else {
        await new Promise<void>((resolve) => server.listen(Number(new URL(base).port), host, resolve));
      }
    },
    dropNextPush(afterBytes) {
      dropAfter = afterBytes;
    },
    credentialsSeen,
    get unauthorizedCount() {
      return unauthorized;
    },
    get log() {
      return log;
    },
    async close() {
      process.removeListener("exit", cleanupOnExit);
      for (const child of children) child.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  return api;
}

function authorized(header: string | undefined, expected: { username: string; password: string }): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match) return false;
  return Buffer.from(match[1]!, "base64").toString("utf8") === `${expected.username}:${expected.password}`;
}

/** Turns CGI output ("Status:" and other headers, blank line, body) into an HTTP response. */
function pipeCgiResponse(child: ChildProcess, res: http.ServerResponse): void {
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout!.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString("latin1");
    const crlf = text.indexOf("\r\n\r\n");
    const lf = text.indexOf("\n\n");
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, end).split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end));
  });
  child.stdout!.on("end", () => {
    if (!headersDone) res.writeHead(502).end("git http-backend produced no headers\n");
    else res.end();
  });
}
