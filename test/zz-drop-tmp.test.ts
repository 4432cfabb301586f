import { test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os"; import path from "node:path";
import { startGitHttpServer } from "/work/main/test/helpers/git-http-server.js";
test("x", async () => {
  const s = await startGitHttpServer({ auth: false });
  const url = await s.createBareRepo("a/b");
  const d = mkdtempSync(path.join(os.tmpdir(), "x-"));
  const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_TRACE_CURL: "1", GIT_TRACE_CURL_NO_DATA: "1" };
  execFileSync("git", ["init", "-b", "main"], { cwd: d, env });
  writeFileSync(path.join(d, "f"), "hello" + Math.random());
  execFileSync("git", ["add", "."], { cwd: d, env });
  execFileSync("git", ["-c", "user.name=a", "-c", "user.email=a@b", "commit", "-m", "x"], { cwd: d, env });
  s.dropNextPush(10);
  try { const out = execFileSync("git", ["push", url, "main:main"], { cwd: d, env, encoding: "utf8", stdio: "pipe" }); console.log("OK", out); } catch (e: any) { console.log("ERR", e.stderr.split("\n").filter((l: string) => /=> Send header|<= Recv header: HTTP|POST|GET|error|fatal|Content-Length/.test(l)).join("\n")); }
  await s.close();
});
