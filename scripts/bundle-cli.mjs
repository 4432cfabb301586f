#!/usr/bin/env node
// Bundles the compiled CLI in place with esbuild: dist/cli/main.js (written by tsc) becomes the bundle's entry, and
// its lazily loaded parts go to dist/cli/chunks/, so the `bin` path never changes. Why: Node's ESM loader resolves
// and compiles each of the ~600 modules the CLI pulls in (ajv, yaml, handlebars, simple-git, octokit...) one by one,
// which cost about 0.25 s of every run; one bundle with a chunk per command loads in a fraction of that. The library
// (`exports`) stays unbundled in dist/. Packages that read files next to their own modules stay external.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

// Large packages (CommonJS builds) every command loads: each is bundled into one CommonJS file, dist/cli/vendor/<name>.cjs,
// which the CLI loads through V8's code cache (src/code-cache.ts requireVendored); the ES modules of the bundle
// itself are compiled anew by every run (Node 20 caches no ES module). The bundle imports each through a module that
// re-exports the package's names.
const VENDORED = ["yaml", "simple-git", "js-yaml", "diff"];
const vendorDir = join(root, "dist", "cli", "vendor");
rmSync(vendorDir, { recursive: true, force: true });
for (const name of VENDORED) {
  await build({ absWorkingDir: root, entryPoints: [require.resolve(name)], outfile: join(vendorDir, `${name}.cjs`), bundle: true, format: "cjs", platform: "node", target: "node20", logLevel: "warning" });
}
const vendored = {
  name: "vendored",
  setup(bundle) {
    const filter = new RegExp(`^(${VENDORED.map((name) => name.replace(/[-/]/g, "\\$&")).join("|")})$`);
    bundle.onResolve({ filter }, (args) => ({ path: args.path, namespace: "vendored" }));
    bundle.onLoad({ filter: /.*/, namespace: "vendored" }, (args) => {
      const names = Object.keys(require(join(vendorDir, `${args.path}.cjs`))).filter((key) => key !== "default" && key !== "__esModule" && /^[A-Za-z_$][\w$]*$/.test(key));
      const contents = [
        `import { requireVendored } from ${JSON.stringify(join(root, "dist", "code-cache.js"))};`,
        `const vendored = requireVendored(${JSON.stringify(args.path)});`,
        `export const { ${names.join(", ")} } = vendored;`,
        "export default vendored;",
      ].join("\n");
      return { contents, resolveDir: root, loader: "js" };
    });
  },
};


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
  plugins: [vendored],
  logLevel: "warning",
});
chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);
