#!/usr/bin/env node
// Bundles the compiled CLI in place with esbuild: dist/cli/main.js (written by tsc) becomes the bundle's entry, and
// its lazily loaded parts go to dist/cli/chunks/, so the `bin` path never changes. Why: Node's ESM loader resolves
// and compiles each of the ~600 modules the CLI pulls in (ajv, yaml, handlebars, simple-git, octokit...) one by one,
// which cost about 0.25 s of every run; one bundle with a chunk per command loads in a fraction of that. The library
// (`exports`) stays unbundled in dist/. Packages that read files next to their own modules stay external.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

rmSync(new URL("../dist/cli/chunks", import.meta.url), { recursive: true, force: true }); // chunk names change per build
await build({
  absWorkingDir: root,
  entryPoints: { main: "dist/cli/main.js" },
  outdir: "dist/cli",
  allowOverwrite: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true, // commands stay lazily loaded, each in its own chunk
  format: "esm",
  platform: "node",
  target: "node20",
  // The WebAssembly Terraform tools load their .wasm files relative to their own modules.
  external: ["@cdktf/hcl2json", "@cdktf/hcl-tools"],
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  logLevel: "warning",
});
chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);
