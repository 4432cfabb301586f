#!/usr/bin/env node
/**
 * Derives which apiVersion/kind each Flux minor release serves, so that a repository that pins an older Flux
 * (a FluxInstance's `spec.distribution.version`) is judged by that release rather than by the embedded one.
 *
 * Reads local bare git mirrors (never the network, never at run time): fluxcd/flux2 at tag v2.N.0 names each
 * controller's release in `manifests/bases/<controller>/kustomization.yaml`; that controller's repository at that tag
 * holds its CRDs in `config/crd/bases/*.yaml`, whose `spec.versions[].served` say what the API server accepts.
 * Served versions do not change within a minor release (only CRD metadata does), so one tag per minor is enough.
 *
 * Output: schemas/flux/served.json — per apiVersion and kind, the ranges of minor releases ([first, last]) that serve
 * it, and per minor the controller releases read. Upstream licence: Apache-2.0 (© The Flux authors).
 *
 * Run: `node scripts/derive-flux-served.mjs [--mirrors /work/.mirror] [--out schemas/flux/served.json]`.
 * Controllers whose repository is not mirrored (source-watcher, Flux 2.7+) are listed under `notDerived`; a controller
 * patch release that is not mirrored is read at the newest mirrored patch of its minor (noted in `controllers`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const mirrors = option("--mirrors", "/work/.mirror");
const out = option("--out", join(root, "schemas", "flux", "served.json"));
const FIRST_MINOR = 0;
const LAST_MINOR = 9;

const git = (repository, ...command) => execFileSync("git", ["-C", join(mirrors, repository, "repo"), ...command], { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] });
/**
 * The tag to read for a controller release: itself, else the newest mirrored patch of the same minor (a patch release
 * changes no served version), else undefined (repository or minor not mirrored).
 */
const tagFor = (repository, release) => {
  try {
    const tags = git(repository, "tag", "--list", `${release.replace(/\.\d+$/, "")}.*`, "--sort=-v:refname").split("\n").filter(Boolean);
    return tags.includes(release) ? release : tags[0];
  } catch {
    return undefined;
  }
};

/** minor -> "group/version" -> kinds served */
const servedByMinor = new Map();
const controllersByMinor = {};
const notDerived = {};
for (let minor = FIRST_MINOR; minor <= LAST_MINOR; minor++) {
  const release = `2.${minor}`;
  const tag = `v2.${minor}.0`;
  const served = new Map();
  controllersByMinor[release] = { flux: tag };
  for (const controller of git("fluxcd+flux2", "ls-tree", "--name-only", `${tag}:manifests/bases/`).split("\n").filter(Boolean)) {
    const kustomization = YAML.parse(git("fluxcd+flux2", "show", `${tag}:manifests/bases/${controller}/kustomization.yaml`));
    const crds = (kustomization.resources ?? []).find((resource) => /\/releases\/download\/v[^/]+\/[^/]*crds\.yaml$/.test(resource));
    if (!crds) continue; // a base without CRDs of its own
    const controllerTag = crds.match(/\/releases\/download\/(v[^/]+)\//)[1];
    const repository = `fluxcd+${controller}`;
    const readTag = tagFor(repository, controllerTag);
    if (!readTag) {
      (notDerived[release] ??= []).push(`${controller} ${controllerTag}`);
      continue;
    }
    controllersByMinor[release][controller] = readTag === controllerTag ? controllerTag : `${controllerTag} (read at ${readTag})`;
    const files = git(repository, "ls-tree", "--name-only", `${readTag}:config/crd/bases/`).split("\n").filter((file) => file.endsWith(".yaml"));
    for (const file of files) {
      for (const document of YAML.parseAllDocuments(git(repository, "show", `${readTag}:config/crd/bases/${file}`))) {
        const crd = document.toJS();
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const version of crd.spec.versions ?? []) {
          if (!version.served) continue;
          const apiVersion = `${crd.spec.group}/${version.name}`;
          if (!served.has(apiVersion)) served.set(apiVersion, new Set());
          served.get(apiVersion).add(crd.spec.names.kind);
        }
      }
    }
  }
  servedByMinor.set(release, served);
}

/** apiVersion -> kind -> [[first, last], ...] over the minors in order */
const table = {};
const releases = [...servedByMinor.keys()];
for (const [index, release] of releases.entries()) {
  for (const [apiVersion, kinds] of servedByMinor.get(release)) {
    for (const kind of kinds) {
      const ranges = ((table[apiVersion] ??= {})[kind] ??= []);
      const last = ranges[ranges.length - 1];
      if (last && last[1] === releases[index - 1]) last[1] = release;
      else ranges.push([release, release]);
    }
  }
}
const sorted = Object.fromEntries(Object.keys(table).sort().map((apiVersion) => [apiVersion, Object.fromEntries(Object.keys(table[apiVersion]).sort().map((kind) => [kind, table[apiVersion][kind]]))]));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({
    source: "fluxcd/flux2 v2.N.0 manifests/bases/*/kustomization.yaml -> each controller's config/crd/bases at the release it names (served: true); scripts/derive-flux-served.mjs",
    license: "Apache-2.0 (© The Flux authors)",
    releases,
    controllers: controllersByMinor,
    notDerived,
    served: sorted,
  }, null, 1)}\n`,
);
console.log(`wrote ${out}: ${releases.length} releases, ${Object.keys(sorted).length} apiVersions`);
