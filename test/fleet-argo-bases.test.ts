import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { overlayPathOf, overlayTextAfterRender } from "../src/fleet/environment-overlay.js";
import { argoBaseDirOf, renderArgoSharedBases, renderNamespaceBase } from "../src/fleet/shared-bases.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { switchedOnWithDependencies } from "./helpers/addon-settings.js";
import { tempDir } from "./helpers/cli.js";
import { kustomize, kustomizeAvailable } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();

function writeFiles(dir: string, files: Iterable<[string, string]>): void {
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** YAML text with every mapping's keys sorted: two objects are the same data exactly where these texts are the same bytes. */
const normalised = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(normalised) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, normalised(v)])) : value;
const key = (object: Record<string, any>) => `${object.kind}/${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
const serialised = (objects: Array<Record<string, any>>) => objects.sort((a, b) => key(a).localeCompare(key(b))).map((object) => JSON.stringify(normalised(object), null, 1));

/** The objects of a folder Argo CD reads as a plain directory (recurse: true), as a single cluster's root does. */
function directoryObjects(dir: string): Array<Record<string, any>> {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => /\.ya?ml$/.test(file))
    .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((doc) => doc.toJS()))
    .filter(Boolean);
}


describe("the Argo CD bases are the catalog's alone", () => {
  test("one per catalog add-on with a chart: its Application in the default project, without sync wave or values", () => {
    const bases = new Map(renderArgoSharedBases(catalog));
    const charts = [...catalog.addons.values()].filter((addon) => addon.chart);
    expect(charts.length).toBeGreaterThan(0);
    for (const addon of charts) {
      const application = parseYaml(bases.get(`${argoBaseDirOf(addon.name)}/application.yaml`)!);
      expect([application.kind, application.metadata.name, application.spec.source.targetRevision, application.spec.destination.namespace]).toEqual(["Application", addon.name, addon.chart!.version, addon.namespace]);
      expect([application.spec.project, application.metadata.annotations, application.spec.source.helm.valuesObject]).toEqual(["default", undefined, undefined]);
      expect(parseYaml(bases.get(`${argoBaseDirOf(addon.name)}/kustomization.yaml`)!).resources).toEqual(["application.yaml"]);
    }
    // And each add-on's Namespace base, shared with the Flux clusters (test/fleet-namespace-base.test.ts).
    expect(bases.size).toBe(2 * charts.length + charts.reduce((sum, addon) => sum + renderNamespaceBase(addon).length, 0));
  });
});

/**
 * At most `slots` of the calls at once: the kustomize builds of every add-on run as child processes beside the renders
 * (which take this thread), without starting dozens of them on a loaded machine. Written here: a queue of a few lines.
 */
function limited(slots: number) {
  const waiting: Array<() => void> = [];
  let running = 0;
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
const kustomizeSlot = limited(3);

describe.each(blueprintIds())("%s: an Argo CD cluster of a fleet builds, from the shared bases and its patches, the Applications it had of its own", (blueprint) => {
  const work = tempDir("ccr-argo-bases-");
  const valuesWith = (name: string) => ({ gitops: "argo", clusterName: "c1", repoUrl: "https://github.com/acme/c.git", addons: switchedOnWithDependencies(catalog, name) });
  const offered = [...catalog.addons.values()]
    .filter((addon) => addon.chart && loadBlueprint(blueprint).offeredAddons.has(addon.name))
    .filter((addon) => !parseParams({ values: valuesWith(addon.name) }, loadBlueprint(blueprint)).errors);

  /** What one add-on's test checks: the three renders and the two builds, each made once. */
  async function prepare(name: string) {
    const values = valuesWith(name);
    const alone = await renderBlueprint(blueprint, { values });
    const member = await renderBlueprint(blueprint, { values }, { root: "fleet/c1/", environment: "qa" });
    const dir = join(work, name);
    writeFiles(join(dir, "alone"), alone.tree);
    const overlay = (context: typeof member.context) => [overlayPathOf("qa"), overlayTextAfterRender(undefined, ["qa"], context)!] as [string, string];
    writeFiles(join(dir, "added"), [...member.tree, ...renderArgoSharedBases(catalog), overlay(member.context)]);
    // The first cluster of a fleet (its layers where they were) holds the bases itself.
    const first = await renderBlueprint(blueprint, { values }, { environment: "qa" });
    writeFiles(join(dir, "first"), [...first.tree, overlay(first.context)]);
    const build = (folder: string) =>
      kustomizeSlot(async () => parseAllDocuments(await kustomize(join(dir, folder), "clusters/c1/argocd")).map((doc) => doc.toJS()).filter(Boolean) as Array<Record<string, any>>);
    // Independent builds, as child processes: they run while the next add-on renders.
    const builds = Promise.all([build("first"), build("added")]);
    builds.catch(() => undefined); // its test reports a failure; nothing is left unhandled before it awaits
    return { member, before: directoryObjects(join(dir, "alone", "clusters/c1/argocd")), builds };
  }
  const prepared = new Map<string, ReturnType<typeof prepare>>();
  beforeAll(async () => {
    if (!kustomizeAvailable) return;
    // One add-on's renders after the other's (they share this thread); each test awaits its own, failing alone.
    let previous: Promise<unknown> = Promise.resolve();
    for (const { name } of offered) {
      const next = previous.then(() => prepare(name));
      next.catch(() => undefined);
      prepared.set(name, next);
      previous = next.catch(() => undefined);
    }
  });

  test("some add-on with a chart runs on its Argo CD clusters", () => expect(offered.length).toBeGreaterThan(0));

  test.skipIf(!kustomizeAvailable).each(offered.map((addon) => addon.name))("with %s on", async (name) => {
    const { member, before, builds } = await prepared.get(name)!;
    const apps = "clusters/c1/argocd/apps";
    const charts = member.context.addonList.filter((addon) => addon.chart);
    expect(charts.map((addon) => addon.name)).toContain(name);
    const listed = parseYaml(member.tree.get(`${apps}/kustomization.yaml`)!);
    for (const addon of charts) {
      // Its Application is the base's, patched with what is the cluster's.
      expect(listed.resources).toContain(`../../../../${argoBaseDirOf(addon.name)}`);
      expect(listed.patches).toContainEqual({ path: `${addon.name}.yaml` });
      expect(parseYaml(member.tree.get(`${apps}/${addon.name}.yaml`)!).spec.source).not.toHaveProperty("repoURL");
    }
    // The root reads its folder as a directory alone, and builds it with kustomize in a fleet: that is all it changes.
    for (const object of before) if (object.metadata.name === "c1-root") delete object.spec.source.directory;
    const chartApplications = (objects: Array<Record<string, any>>) => objects.filter((object) => object.kind === "Application" && object.spec.source.chart);
    expect(chartApplications(before).length).toBe(charts.length);
    const [first, added] = await builds;
    expect(serialised(first)).toEqual(serialised(before));
    // An added cluster's layer Applications point into fleet/c1/; its add-on Applications are the same.
    expect(serialised(chartApplications(added))).toEqual(serialised(chartApplications(before)));
  });
});
