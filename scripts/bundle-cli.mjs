#!/usr/bin/env node
// Bundles the compiled CLI (tsc's output in dist/) with esbuild into three files, so that the `bin` path never changes:
// - dist/cli/cli.cjs: the whole CLI (entry dist/cli/cli-process.js), one CommonJS file. Why: Node's ESM loader
//   resolves and compiles each of the ~600 modules the CLI pulls in (ajv, yaml, handlebars, simple-git, octokit...)
//   one by one, and Node 20 keeps no compiled ES module between runs; src/cli/main.ts loads this file through V8's
//   code cache (src/code-cache.ts) instead. Lazily imported modules stay lazy: esbuild evaluates each on its first
//   import(). The library (`exports`) stays unbundled in dist/. Packages that read files next to their own modules
//   stay external.
// - dist/cli/main.js: the `bin` (src/cli/main.ts), an ES module of a few lines that sets V8's flags and the code cache
//   and then loads cli.cjs.
// - dist/cli/code-cache.cjs: src/code-cache.ts, the one instance of the code cache that main.js and cli.cjs both
//   require (Node's CommonJS loader keeps one module per file): main.js turns it on, cli.cjs loads through it.
import { build } from "esbuild";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { asciiOnly } from "./ascii-js.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const cliDir = join(root, "dist", "cli");

// A CommonJS file has no import.meta: the compiled modules' `import.meta.url` (createRequire, the package root) becomes
// the URL of the file they are bundled in, as in an ES module bundle.
const importMetaUrl = {
  define: { "import.meta.url": "__bundle_import_meta_url" },
  banner: { js: 'var __bundle_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
};
const common = { absWorkingDir: root, bundle: true, platform: "node", target: "node20", logLevel: "warning" };

// Large packages (CommonJS builds) every command loads: each is bundled into one CommonJS file, dist/cli/vendor/<name>.cjs,
// which the CLI loads through the code cache (src/code-cache.ts requireVendored), so that their entries of the cache
// are shared by every command. The bundle imports each through a module that re-exports the package's names.
const VENDORED = ["yaml", "simple-git", "js-yaml", "diff"];
const vendorDir = join(cliDir, "vendor");
rmSync(vendorDir, { recursive: true, force: true });
/** Rewrites a file the CLI loads through the code cache in ASCII (scripts/ascii-js.mjs). */
const toAscii = (file) => writeFileSync(file, asciiOnly(readFileSync(file, "utf8"), file));
// Handlebars' runtime (about 20 small CommonJS files that Node's loader compiled anew each run) is required by name at
// run time, not imported (src/generator/helpers.ts loadHandlebars): vendored as a file of its own, not through the plugin.
const VENDORED_FILES = { ...Object.fromEntries(VENDORED.map((name) => [name, name])), "handlebars-runtime": "handlebars/runtime" };
for (const [name, specifier] of Object.entries(VENDORED_FILES)) {
  await build({ ...common, entryPoints: [require.resolve(specifier)], outfile: join(vendorDir, `${name}.cjs`), format: "cjs" });
  toAscii(join(vendorDir, `${name}.cjs`));
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

// The code cache, once: main.js and cli.cjs import dist/code-cache.js as ./code-cache.cjs, required at run time.
const codeCacheFile = join(cliDir, "code-cache.cjs");
await build({ ...common, ...importMetaUrl, entryPoints: [join(root, "dist", "code-cache.js")], outfile: codeCacheFile, format: "cjs" });
const codeCacheNames = Object.keys(require(codeCacheFile)).filter((key) => key !== "default" && key !== "__esModule");
const sharedCodeCache = {
  name: "shared-code-cache",
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\/code-cache\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    bundle.onResolve({ filter: /(^|[/\\])code-cache\.js$/ }, (args) => ({ path: args.path, namespace: "shared-code-cache" }));
    bundle.onLoad({ filter: /.*/, namespace: "shared-code-cache" }, () => {
      const contents = [
        'import { createRequire } from "node:module";',
        'const codeCache = createRequire(import.meta.url)("./code-cache.cjs");',
        `export const { ${codeCacheNames.join(", ")} } = codeCache;`,
      ].join("\n");
      return { contents, resolveDir: cliDir, loader: "js" };
    });
  },
};

rmSync(join(cliDir, "chunks"), { recursive: true, force: true }); // the ES module chunks of earlier builds
await build({
  ...common,
  ...importMetaUrl,
  entryPoints: [join(cliDir, "cli-process.js")],
  outfile: join(cliDir, "cli.cjs"),
  format: "cjs",
  // The WebAssembly Terraform tools load their .wasm files relative to their own modules.
  external: ["@cdktf/hcl2json", "@cdktf/hcl-tools"],
  // V8 refuses import() in code compiled by vm.Script (the code cache) unless Node's experimental loader hook is
  // given, which warns on stderr and is not kept with a cached script: import() of what the bundle leaves out (Node's
  // modules, the two CommonJS Terraform packages) becomes require().
  supported: { "dynamic-import": false },
  plugins: [vendored, sharedCodeCache],
});
toAscii(join(cliDir, "cli.cjs"));
// - dist/cli/kubernetes-worker.cjs: what a validate worker thread runs (src/validators/kubernetes/worker-serve.ts), one
//   CommonJS file that the thread's entry (dist/validators/kubernetes/worker.js) loads through the same code cache, for
//   the same reason as cli.cjs: a worker that resolved and compiled the validator's ES modules one by one spent more
//   than its first batches on that.
await build({
  ...common,
  ...importMetaUrl,
  entryPoints: [join(root, "dist", "validators", "kubernetes", "worker-serve.js")],
  outfile: join(cliDir, "kubernetes-worker.cjs"),
  format: "cjs",
  supported: { "dynamic-import": false },
  plugins: [vendored, sharedCodeCache],
});
toAscii(join(cliDir, "kubernetes-worker.cjs"));
await build({ ...common, entryPoints: [join(cliDir, "main.js")], outfile: join(cliDir, "main.js"), allowOverwrite: true, format: "esm", plugins: [sharedCodeCache] });
chmodSync(join(cliDir, "main.js"), 0o755);
