import type { FileTree } from "../file-tree.js";
import { MAX_TERRAFORM_FILE_BYTES } from "../validators/terraform/index.js";
import { replacementFor } from "../validators/terraform/provider-tables.js";

/**
 * What Terraform will do to each address when a change of the configuration is applied, read from the
 * configuration before and after (no state, no provider): the arguments that differ, the provider tables'
 * ForceNew flags (`replacementFor`), `lifecycle` (ignore_changes, prevent_destroy) and references to resources
 * that are replaced.
 * It is the reviewer's blast radius, not a substitute for `terraform plan`, which the repository's workflow runs.
 */
export type TerraformAction = "replace" | "destroy" | "add" | "change";

export interface TerraformChange {
  /** `scaleway_k8s_cluster.this`, `openstack_containerinfra_nodegroup_v1.extra["gpu"]`, `module.network`. */
  address: string;
  action: TerraformAction;
  /**
   * Why: for `replace`, the arguments that force it (`cni`, `default_node_pool.gpu_driver`) or the reference
   * that does (`cluster_id (scaleway_k8s_cluster.this is replaced)`); for `change`, the arguments that change.
   */
  reasons: string[];
  /**
   * For `change`: changed arguments the provider replaces the resource for in some cases only (a CustomizeDiff or
   * plan modifier decides on the values): a possible replacement, which `terraform plan` settles.
   */
  mayReplace: string[];
  /** Changed arguments the provider tables do not describe: in place unless the provider says otherwise. */
  unknown: string[];
  /** The block keeps `lifecycle { prevent_destroy = true }`: Terraform refuses a plan that replaces or destroys it. */
  preventDestroy: boolean;
}

export interface TerraformSummary {
  added: string[];
  /** Updated in place. */
  changed: string[];
  /** Destroyed and created again. */
  replaced: string[];
  destroyed: string[];
  /** Every address with its action, replacements and destroys first. */
  changes: TerraformChange[];
}

type Body = Record<string, unknown>;
type Replacement = Awaited<ReturnType<typeof replacementFor>>;
interface Config {
  resources: Map<string, { type: string; body: Body }>;
  locals: Body;
  variables: Body;
  /** Data source addresses with their bodies, for references to data that is read again. */
  data: Map<string, Body>;
  moved: Array<{ from: string; to: string }>;
}

// Meta-arguments are not sent to the provider: lifecycle, depends_on and provider change no resource by
// themselves; count and for_each change which instances exist (a for_each over a literal map is expanded into its
// instances below; count, which the blueprints do not use, is not).
const META = new Set(["lifecycle", "depends_on", "provider", "provisioner", "connection", "count", "for_each"]);
const ORDER: TerraformAction[] = ["replace", "destroy", "add", "change"];
const isObject = (value: unknown): value is Body => value !== null && typeof value === "object" && !Array.isArray(value);
const isBlockList = (value: unknown): value is Body[] => Array.isArray(value) && value.length > 0 && value.every(isObject);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const unwrap = (expression: unknown) => String(expression).replace(/^\$\{([\s\S]*)\}$/, "$1").trim();

/**
 * hcl2json starts its WebAssembly module (gunzip, compile, Go runtime) when it is imported: loaded on first use, so
 * that `check`, which reaches this module through plan.ts, never pays for it.
 */
let hclParser: Promise<typeof import("@cdktf/hcl2json").parse> | undefined;
const loadHclParser = () => (hclParser ??= import("@cdktf/hcl2json").then((module) => module.parse));

async function readConfig(tree: FileTree): Promise<Config> {
  const config: Config = { resources: new Map(), locals: {}, variables: {}, data: new Map(), moved: [] };
  const terraformFiles = [...tree].filter(([path]) => path.endsWith(".tf"));
  if (terraformFiles.length === 0) return config;
  const parseHcl = await loadHclParser();
  for (const [path, content] of terraformFiles) {
    // A file past the Terraform validator's limit is reported by validation and never parsed here either.
    if (Buffer.byteLength(content, "utf8") > MAX_TERRAFORM_FILE_BYTES) continue;
    let parsed: Record<string, any>;
    try {
      parsed = await parseHcl(path, content);
    } catch {
      continue; // unparsable files are reported by validation
    }
    for (const [type, byName] of Object.entries<any>(parsed.resource ?? {})) {
      for (const [name, bodies] of Object.entries<any>(byName)) config.resources.set(`${type}.${name}`, { type, body: bodies[0] ?? {} });
    }
    for (const [name, bodies] of Object.entries<any>(parsed.module ?? {})) config.resources.set(`module.${name}`, { type: "module", body: bodies[0] ?? {} });
    for (const [type, byName] of Object.entries<any>(parsed.data ?? {})) {
      for (const [name, bodies] of Object.entries<any>(byName)) config.data.set(`data.${type}.${name}`, bodies[0] ?? {});
    }
    for (const block of parsed.locals ?? []) Object.assign(config.locals, block);
    for (const [name, bodies] of Object.entries<any>(parsed.variable ?? {})) config.variables[name] = bodies[0]?.default;
    for (const block of parsed.moved ?? []) config.moved.push({ from: unwrap(block.from), to: unwrap(block.to) });
  }
  return config;
}

/** `each.key` and `each.value.x` of one `for_each` instance written into a body, so instances compare one by one. */
function substituteEach(value: unknown, key: string, instance: unknown): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{each\.(key|value)((?:\.[A-Za-z_][\w-]*)*)\}$/.exec(value);
    if (whole) {
      if (whole[1] === "key") return whole[2] ? value : key;
      return whole[2]!.split(".").slice(1).reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), instance);
    }
    return value
      .replace(/\beach\.key\b/g, JSON.stringify(key))
      .replace(/\beach\.value((?:\.[A-Za-z_][\w-]*)*)/g, (_, fields: string) =>
        JSON.stringify(fields.split(".").slice(1).reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), instance)),
      );
  }
  if (Array.isArray(value)) return value.map((v) => substituteEach(v, key, instance));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEach(v, key, instance)]));
  return value;
}

/**
 * Addresses to bodies. A `for_each` over a literal map (directly or through a local) becomes one address per key,
 * `type.name["key"]`, as Terraform addresses instances; any other `for_each` keeps the block's address.
 */
function instances(config: Config): Map<string, { type: string; block: string; body: Body }> {
  const out = new Map<string, { type: string; block: string; body: Body }>();
  for (const [address, { type, body }] of config.resources) {
    const forEach = body.for_each === undefined ? undefined : unwrap(body.for_each);
    const local = forEach && /^local\.([A-Za-z_][\w-]*)$/.exec(forEach);
    const map = local ? config.locals[local[1]!] : isObject(body.for_each) ? body.for_each : undefined;
    if (!isObject(map)) {
      out.set(address, { type, block: address, body });
      continue;
    }
    for (const [key, instance] of Object.entries(map)) {
      const { for_each: _, ...rest } = body;
      out.set(`${address}[${JSON.stringify(key)}]`, { type, block: address, body: substituteEach(rest, key, instance) as Body });
    }
  }
  return out;
}

/** Argument paths (`["default_node_pool", "gpu_driver"]`) whose values differ; nested blocks are compared element by element. */
function changedPaths(before: Body, after: Body, prefix: string[] = []): string[][] {
  const paths: string[][] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (prefix.length === 0 && META.has(key)) continue;
    const [a, b] = [before[key], after[key]];
    if (same(a, b)) continue;
    if ((isBlockList(a) || a === undefined) && (isBlockList(b) || b === undefined)) {
      const [left, right] = [a ?? [], b ?? []];
      if (left.length !== right.length) paths.push([...prefix, key]);
      for (let i = 0; i < Math.max(left.length, right.length); i++) {
        paths.push(...changedPaths(left[i] ?? {}, right[i] ?? {}, [...prefix, key]));
      }
    } else paths.push([...prefix, key]);
  }
  return paths;
}

/** Every argument path of a body with its value (leaves of nested blocks). */
function argumentValues(body: Body, prefix: string[] = []): Array<[string[], unknown]> {
  return Object.entries(body).flatMap(([key, value]): Array<[string[], unknown]> => {
    if (prefix.length === 0 && META.has(key)) return [];
    if (isBlockList(value)) return value.flatMap((element) => argumentValues(element, [...prefix, key]));
    return [[[...prefix, key], value]];
  });
}

function lifecycle(body: Body): Body {
  const blocks = body.lifecycle;
  return isBlockList(blocks) ? blocks[0]! : {};
}

/** `ignore_changes` as argument paths (`default_node_pool[0].node_count` -> default_node_pool.node_count); `all` ignores everything. */
function ignoredPaths(body: Body): string[][] | "all" {
  const ignore = lifecycle(body).ignore_changes;
  if (ignore === undefined) return [];
  if (typeof ignore === "string" && unwrap(ignore) === "all") return "all";
  const list = Array.isArray(ignore) ? ignore : [ignore];
  return list.map((entry) => unwrap(entry).replace(/\[[^\]]*\]/g, "").split(".").filter(Boolean));
}

const startsWith = (path: string[], prefix: string[]) => prefix.every((part, i) => path[i] === part);
const dotted = (path: string[]) => path.join(".");

/** Names of locals (or variables) whose value differs, including locals that reference one that does. */
function changedNames(before: Body, after: Body, kind: "local" | "var", alsoChanged: Set<string> = new Set()): Set<string> {
  const changed = new Set([...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => !same(before[name], after[name])));
  if (kind === "var") return changed;
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, value] of Object.entries(after)) {
      if (changed.has(name)) continue;
      const text = JSON.stringify(value);
      const refs = [...text.matchAll(/\blocal\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]!);
      const vars = [...text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]!);
      if (refs.some((r) => changed.has(r)) || vars.some((v) => alsoChanged.has(v))) {
        changed.add(name);
        grew = true;
      }
    }
  }
  return changed;
}

/** The `.tf` files of two trees are the same files with the same text. */
function sameTerraformFiles(beforeTree: FileTree, afterTree: FileTree): boolean {
  const terraform = (tree: FileTree) => [...tree].filter(([path]) => path.endsWith(".tf"));
  const before = terraform(beforeTree);
  return before.length === terraform(afterTree).length && before.every(([path, content]) => afterTree.get(path) === content);
}

/** Classifies every Terraform address that differs between two renders of a repository. */
export async function classifyTerraformChanges(beforeTree: FileTree, afterTree: FileTree): Promise<TerraformSummary> {
  // The same configuration changes nothing; without this, every plan and update would start hcl2json's WebAssembly
  // (about 0.1 s) to find that out.
  if (sameTerraformFiles(beforeTree, afterTree)) return { added: [], changed: [], replaced: [], destroyed: [], changes: [] };
  const [beforeConfig, afterConfig] = await Promise.all([readConfig(beforeTree), readConfig(afterTree)]);
  const before = instances(beforeConfig);
  const after = instances(afterConfig);
  // `moved` blocks rename an address instead of destroying it.
  for (const { from, to } of afterConfig.moved) {
    const old = before.get(from);
    if (old && !after.has(from) && after.has(to)) {
      before.delete(from);
      before.set(to, old);
    }
  }
  const changedVars = changedNames(beforeConfig.variables, afterConfig.variables, "var");
  const changedLocals = changedNames(beforeConfig.locals, afterConfig.locals, "local", changedVars);
  const changedData = new Set([...afterConfig.data].filter(([address, body]) => !same(beforeConfig.data.get(address), body)).map(([address]) => address));

  // Direct changes, then what references to replaced resources change, until nothing more is replaced.
  const direct = new Map<string, string[][]>();
  for (const [address, now] of after) {
    const was = before.get(address);
    if (!was) continue;
    const ignored = ignoredPaths(now.body);
    if (ignored === "all") continue;
    const notIgnored = (path: string[]) => !ignored.some((prefix) => startsWith(path, prefix));
    const paths = changedPaths(was.body, now.body).filter(notIgnored);
    // Same text, new value: it reads a local, variable or data source that changed.
    for (const [path, value] of argumentValues(now.body)) {
      if (!notIgnored(path) || paths.some((p) => same(p, path))) continue;
      const text = JSON.stringify(value);
      const reads = (pattern: RegExp, changed: Set<string>, prefix = "") => [...text.matchAll(pattern)].some((m) => changed.has(prefix + m[1]));
      if (reads(/\blocal\.([A-Za-z_][\w-]*)/g, changedLocals) || reads(/\bvar\.([A-Za-z_][\w-]*)/g, changedVars) || reads(/\b(data\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)/g, changedData)) {
        paths.push(path);
      }
    }
    direct.set(address, paths);
  }

  // The provider tables load asynchronously: look up every argument that may be asked about once, up front.
  const replacement = new Map<string, Replacement>();
  const key = (type: string, path: string[]) => `${type} ${dotted(path)}`;
  const candidates = [...after.values()].flatMap(({ type, body }) => [...argumentValues(body).map(([path]) => path), ...changedPaths({}, body)].map((path) => ({ type, path })));
  for (const [address, paths] of direct) candidates.push(...paths.map((path) => ({ type: after.get(address)!.type, path })));
  await Promise.all(
    candidates.map(async ({ type, path }) => {
      if (!replacement.has(key(type, path))) replacement.set(key(type, path), type === "module" ? undefined : await replacementFor(type, dotted(path)));
    }),
  );
  const replacementOf = (type: string, path: string[]) => replacement.get(key(type, path));

  const replaced = new Map<string, string[]>();
  const induced = new Map<string, Array<{ path: string[]; via: string }>>();
  const replacementReasons = (address: string) => {
    const { type } = after.get(address)!;
    const forced = (direct.get(address) ?? []).filter((path) => replacementOf(type, path) === "always").map(dotted);
    const via = (induced.get(address) ?? []).filter(({ path }) => replacementOf(type, path) === "always").map(({ path, via }) => `${dotted(path)} (${via} is replaced)`);
    return [...forced, ...via];
  };
  for (const address of direct.keys()) {
    const reasons = replacementReasons(address);
    if (reasons.length) replaced.set(address, reasons);
  }
  let grew = replaced.size > 0;
  while (grew) {
    grew = false;
    for (const [address, now] of after) {
      if (!before.has(address) || replaced.has(address)) continue;
      for (const [path, value] of argumentValues(now.body)) {
        for (const match of JSON.stringify(value).matchAll(/\b([a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)/g)) {
          const target = match[1]!;
          if (!replaced.has(target) || (induced.get(address) ?? []).some((i) => same(i.path, path))) continue;
          // A replaced resource's configured, unchanged arguments keep their values; everything else is new.
          const targetBody = after.get(target)?.body ?? {};
          const known = match[2]! in targetBody && !(direct.get(target) ?? []).some((p) => p[0] === match[2]);
          if (!known) induced.set(address, [...(induced.get(address) ?? []), { path, via: target }]);
        }
      }
      const reasons = replacementReasons(address);
      if (reasons.length) {
        replaced.set(address, reasons);
        grew = true;
      }
    }
  }

  const preventDestroy = (address: string) => {
    const entry = after.get(address) ?? [...after.values()].find((e) => address.startsWith(`${e.block}[`));
    return entry ? unwrap(lifecycle(entry.body).prevent_destroy) === "true" : false;
  };
  const changes: TerraformChange[] = [];
  for (const address of after.keys()) {
    if (!before.has(address)) {
      changes.push({ address, action: "add", reasons: [], mayReplace: [], unknown: [], preventDestroy: false });
      continue;
    }
    if (replaced.has(address)) {
      changes.push({ address, action: "replace", reasons: replaced.get(address)!, mayReplace: [], unknown: [], preventDestroy: preventDestroy(address) });
      continue;
    }
    const { type } = after.get(address)!;
    const paths = [...(direct.get(address) ?? []), ...(induced.get(address) ?? []).map((i) => i.path)];
    if (paths.length === 0) continue;
    const names = (filter: (path: string[]) => boolean) => [...new Set(paths.filter(filter).map(dotted))];
    const mayReplace = names((p) => replacementOf(type, p) === "conditional");
    const unknown = type === "module" ? [] : names((p) => replacementOf(type, p) === undefined);
    changes.push({ address, action: "change", reasons: names(() => true), mayReplace, unknown, preventDestroy: mayReplace.length > 0 && preventDestroy(address) });
  }
  for (const address of before.keys()) {
    if (!after.has(address)) changes.push({ address, action: "destroy", reasons: [], mayReplace: [], unknown: [], preventDestroy: preventDestroy(address) });
  }
  // Replacements first (their causes before what they drag along), destroys, changes that may replace, the rest.
  const dragged = (c: TerraformChange) => c.reasons.every((reason) => reason.endsWith(" is replaced)"));
  const rank = (c: TerraformChange) => (c.action === "replace" && dragged(c) ? 0.5 : c.action === "change" && c.mayReplace.length ? 1.5 : ORDER.indexOf(c.action));
  changes.sort((a, b) => rank(a) - rank(b) || a.address.localeCompare(b.address));
  const of = (action: TerraformAction) => changes.filter((c) => c.action === action).map((c) => c.address);
  return { added: of("add"), changed: of("change"), replaced: of("replace"), destroyed: of("destroy"), changes };
}
