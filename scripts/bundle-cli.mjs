#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/ with esbuild. Why: Node's ESM loader resolves and
// compiles each of the ~600 modules the CLI pulls in (ajv, yaml, handlebars, simple-git, octokit...) one by one,
// which cost about 0.25 s of every run; one bundle with a chunk per command loads in a fraction of that. The library
// (`exports`) stays unbundled in dist/. Packages that read files next to their own modules stay external.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true }); // chunk names change per build
await build({
  absWorkingDir: root,
  entryPoints: { cli: "dist/cli/main.js" },
  outdir: "dist/bundle",
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
chmodSync(new URL("../dist/bundle/cli.js", import.meta.url), 0o755);
