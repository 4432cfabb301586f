#!/usr/bin/env node
/**
 * Hostile Terraform input against a same-size benign file (issue 14): `validate` on one .tf file, through the built
 * CLI, wall time and peak memory (from /usr/bin/time where it exists). Heredocs used to cost time quadratic in their
 * line count (4 MiB: 196 s); now every case should stay within a small multiple of the benign file of its size, and
 * files past the 1 MiB limit are refused at once. Needs a build. Run: `node bench/terraform-hostile.mjs`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const timeBinary = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const KIB = 1024;

const line = "x".repeat(70) + "\n";
const heredoc = (bytes) => `locals {\n  doc = <<EOT\n${line.repeat(Math.ceil(bytes / line.length))}EOT\n}\n`;
const templated = (bytes) => `variable "a" {}\n\nlocals {\n  doc = <<EOT\n${"${var.a} and text\n".repeat(Math.ceil(bytes / 18))}EOT\n}\n`;
/** The benign reference: many short attributes, the shape of a real (if very large) configuration. */
const benign = (bytes) => {
  const lines = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const entry = `  value_${i} = "${"y".repeat(50)}"`;
    lines.push(entry);
    size += entry.length + 1;
  }
  return `locals {\n${lines.join("\n")}\n}\n`;
};

function run(dir) {
  const args = [cli, "validate", "-o", "json", "."];
  const started = process.hrtime.bigint();
  const result = timeBinary
    ? spawnSync(timeBinary, ["-f", "%M", process.execPath, ...args], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28, timeout: 600_000 })
    : spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28, timeout: 600_000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKiB = timeBinary ? Number(result.stderr.trim().split("\n").at(-1)) : undefined;
  return { seconds, status: result.status, rssMiB: rssKiB ? rssKiB / 1024 : undefined };
}

const cases = [
  ["benign 512 KiB", benign(512 * KIB)],
  ["heredoc 512 KiB", heredoc(512 * KIB)],
  ["templated heredoc 512 KiB", templated(512 * KIB)],
  ["benign 1000 KiB", benign(1000 * KIB)],
  ["heredoc 1000 KiB", heredoc(1000 * KIB)],
  ["heredoc 4 MiB (over the limit)", heredoc(4096 * KIB)],
  ["heredoc 50 MiB (over the limit)", heredoc(50 * 1024 * KIB)],
];

const base = mkdtempSync(join(tmpdir(), "ccr-bench-tf-"));
try {
  console.log(`Terraform hostile input: validate one file (node ${process.version})`);
  const benignSeconds = {};
  for (const [name, content] of cases) {
    const dir = join(base, name.replace(/\W+/g, "-"));
    mkdirSync(dir);
    writeFileSync(join(dir, "main.tf"), content);
    const result = run(dir);
    const size = name.match(/\d+ (KiB|MiB)/)?.[0];
    if (name.startsWith("benign")) benignSeconds[size] = result.seconds;
    const ratio = benignSeconds[size] && !name.startsWith("benign") ? `  x${(result.seconds / benignSeconds[size]).toFixed(2)} of benign` : "";
    const memory = result.rssMiB ? `  peak ${result.rssMiB.toFixed(0)} MiB` : "";
    console.log(`${name.padEnd(34)} ${result.seconds.toFixed(2).padStart(7)} s  exit ${result.status}${memory}${ratio}`);
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
