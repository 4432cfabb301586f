/**
 * Local doubles of the remote state stores the generated backends use, on 127.0.0.1, for running the real Terraform
 * binary against the generated backend configuration:
 *
 * - an S3 endpoint (path-style) with the calls Terraform's S3 backend makes, whose handling of `If-None-Match: *` on
 *   PUT is what object stores differ on: honoured (412 when the object exists, as AWS, Scaleway, Ceph RGW and Swift
 *   2.36+ do), ignored (the object is overwritten), or refused (501, as Swift's s3api before 2.36);
 * - an HTTP state server with GitLab's conventions (state GET/POST, lock POST/DELETE, 409 while locked).
 *
 * Requests are recorded; authentication is not checked. Servers stop on process exit.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface StateServer {
  url: string;
  calls: RecordedCall[];
  /** Stored objects (S3: `bucket/key`; HTTP: the state and the lock). */
  objects: Map<string, Buffer>;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

function listen(handler: (req: http.IncomingMessage, body: Buffer) => Reply): Promise<StateServer> {
  const calls: RecordedCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { status, body, headers } = handler(req, Buffer.concat(chunks));
      calls.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, status });
      res.writeHead(status, { "content-length": String(body === undefined ? 0 : Buffer.byteLength(body)), ...headers });
      res.end(req.method === "HEAD" ? undefined : body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      server.unref();
      const close = () => server.close();
      process.once("exit", close);
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        calls,
        objects: new Map(),
        close: () =>
          new Promise<void>((done) => {
            process.removeListener("exit", close);
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    }),
  );
}

/** Payloads the AWS SDK sends `aws-chunked` (`<hex size>;chunk-signature=...\r\n<data>\r\n`, then trailers). */
function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf("\r\n", offset);
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString("latin1").split(";")[0]!, 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

const xml = (status: number, code: string, message: string): Reply => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  headers: { "content-type": "application/xml" },
});

export async function startS3Server(options: { bucket: string; ifNoneMatch: "honour" | "ignore" | "refuse" }): Promise<StateServer> {
  let store: StateServer;
  const etag = (data: Buffer) => `"${data.length.toString(16)}-${data.subarray(0, 8).toString("hex")}"`;
  store = await listen((req, raw): Reply => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, bucket = "", ...rest] = decodeURIComponent(url.pathname).split("/");
    const key = rest.join("/");
    const objects = store.objects;
    if (bucket !== options.bucket) return xml(404, "NoSuchBucket", "The specified bucket does not exist");
    if (!key) {
      if (req.method === "HEAD") return { status: 200 };
      if (req.method !== "GET" || url.searchParams.get("list-type") !== "2") return xml(501, "NotImplemented", "not in this double");
      const prefix = url.searchParams.get("prefix") ?? "";
      const keys = [...objects.keys()].map((k) => k.slice(bucket.length + 1)).filter((k) => k.startsWith(prefix)).sort();
      const contents = keys.map((k) => `<Contents><Key>${k}</Key><Size>${objects.get(`${bucket}/${k}`)!.length}</Size><ETag>${etag(objects.get(`${bucket}/${k}`)!)}</ETag><LastModified>2026-11-26T12:00:00.000Z</LastModified><StorageClass>STANDARD</StorageClass></Contents>`);
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join("")}</ListBucketResult>`,
        headers: { "content-type": "application/xml" },
      };
    }
    const id = `${bucket}/${key}`;
    const object = objects.get(id);
    switch (req.method) {
      case "HEAD":
        return object ? { status: 200, headers: { etag: etag(object), "content-type": "application/json", "x-amz-meta-size": String(object.length) } } : { status: 404 };
      case "GET":
        if (!object) return xml(404, "NoSuchKey", "The specified key does not exist.");
        return { status: 200, body: object, headers: { etag: etag(object), "content-type": "application/json" } };
      case "PUT": {
        const conditional = req.headers["if-none-match"];
        if (conditional !== undefined && options.ifNoneMatch === "refuse") return xml(501, "NotImplemented", "Conditional object PUTs are not supported.");
        if (conditional === "*" && options.ifNoneMatch === "honour" && object) return xml(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        const data = String(req.headers["content-encoding"] ?? "").includes("aws-chunked") ? decodeAwsChunked(raw) : raw;
        objects.set(id, data);
        return { status: 200, headers: { etag: etag(data) } };
      }
      case "DELETE":
        objects.delete(id);
        return { status: 204 };
      default:
        return xml(501, "NotImplemented", "not in this double");
    }
  });
  return store;
}

/**
 * GitLab's Terraform state API shape: `<address>` for the state, `<address>/lock` to lock (POST) and unlock (DELETE).
 * States are kept by address (`state:<path>`, `lock:<path>`), as a GitLab instance keeps one per project and name.
 * With `roles` (Basic password -> role per project ID, as GitLab gives a token or a job token its user's role), the
 * double answers as GitLab's permissions say: 401 without a known credential, the Developer role reads a state
 * (GET) and nothing more (403), the Maintainer role also writes, locks and unlocks; a project the token has no role
 * in is 404.
 */
export async function startHttpStateServer(options: { roles?: Record<string, Record<string, "developer" | "maintainer">> } = {}): Promise<StateServer> {
  let store: StateServer;
  store = await listen((req, body): Reply => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (options.roles) {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const password = basic ? Buffer.from(basic, "base64").toString("utf8").replace(/^[^:]*:/, "") : undefined;
      const roles = password === undefined ? undefined : options.roles[password];
      if (!roles) return { status: 401, body: '{"message":"401 Unauthorized"}', headers: { "content-type": "application/json" } };
      const project = /^\/api\/v4\/projects\/([^/]+)\/terraform\/state\//.exec(url.pathname)?.[1];
      const role = project === undefined ? undefined : roles[decodeURIComponent(project)];
      if (!role) return { status: 404, body: '{"message":"404 Project Not Found"}', headers: { "content-type": "application/json" } };
      if (role === "developer" && req.method !== "GET") return { status: 403, body: '{"message":"403 Forbidden"}', headers: { "content-type": "application/json" } };
    }
    const lock = url.pathname.endsWith("/lock");
    const address = lock ? url.pathname.slice(0, -"/lock".length) : url.pathname;
    const [stateKey, lockKey] = [`state:${address}`, `lock:${address}`];
    const objects = store.objects;
    if (lock && req.method === "POST") {
      if (objects.has(lockKey)) return { status: 409, body: objects.get(lockKey), headers: { "content-type": "application/json" } };
      objects.set(lockKey, body);
      return { status: 200 };
    }
    if (lock && req.method === "DELETE") {
      objects.delete(lockKey);
      return { status: 200 };
    }
    if (req.method === "GET") return objects.has(stateKey) ? { status: 200, body: objects.get(stateKey), headers: { "content-type": "application/json" } } : { status: 404 };
    if (req.method === "POST") {
      objects.set(stateKey, body);
      return { status: 200 };
    }
    if (req.method === "DELETE") {
      objects.delete(stateKey);
      return { status: 200 };
    }
    return { status: 405 };
  });
  return store;
}

/**
 * The credentials of the GitLab state tests (test/gitlab-terraform-state.test.ts, test/fleet-gitlab-terraform-state.test.ts):
 * recognisable values a test can look for in everything a job wrote or printed.
 */
export const GITLAB_STATE_TEST = {
  STATE_TOKEN: "glpat-state-project-token-0123456789",
  MAINTAINER_JOB: "glcbt-maintainer-job-token-0123456789",
  DEVELOPER_JOB: "glcbt-developer-job-token-0123456789",
  SECRET: "kubeconfig-admin-secret-value-0123456789",
  REPO_PROJECT: "77",
  STATE_PROJECT: "1234",
} as const;
