#!/usr/bin/env node
/**
 * Generates the embedded Kubernetes JSON schemas under schemas/kubernetes/ from npm packages only:
 *
 * - built-in kinds: @kubernetes/client-node (generated models for the Kubernetes OpenAPI release it names):
 *   property types from each model's attributeTypeMap, required properties from its .d.ts, and
 *   group/version/kind from the create (POST) requests of the generated API classes;
 * - resource.Quantity fields: client-node flattens them to `string`, so they are recovered from the
 *   kubernetes-models .d.ts files, which keep the Quantity type (`number | string`);
 * - Flux and Argo CD kinds: the .d.ts files of @kubernetes-models/flux-cd and @kubernetes-models/argo-cd, read
 *   with the TypeScript checker (string-literal unions become enums);
 * - kustomize.config.k8s.io Kustomization/Component: a small hand-written top-level schema.
 *
 * Output in schemas/kubernetes/: definitions.json ({definitions}), index.json (versions, sources and the
 * "group/version" -> kind -> {definition, bundle} map) and validators/<bundle>[.strict].mjs (precompiled Ajv validators).
 * Run: `npm run build:schemas` (builds dist/ first: the script reuses the runtime's Ajv options and strict transform).
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Ajv } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import ts from "typescript";
// The runtime's own Ajv options and strict-mode transform, so that precompiled and runtime-compiled schemas agree
// (run `npx tsc -p tsconfig.build.json` first; `npm run build:schemas` does both).
import { AJV_OPTIONS, strictSchema } from "../dist/validators/kubernetes/compile.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const outDir = join(root, "schemas", "kubernetes");

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}
function packageVersion(name) {
  return JSON.parse(readFileSync(join(packageDir(name), "package.json"), "utf8")).version;
}

/** Every JSON type gets "null" too: the API server treats null as "unset", and kubeconform's schemas allow it. */
function nullable(type) {
  return Array.isArray(type) ? [...type, "null"] : [type, "null"];
}
const ref = (name) => ({ $ref: `#/definitions/${name}` });
const QUANTITY = { type: ["string", "number", "null"] };
const INT_OR_STRING = { type: ["string", "integer", "null"] };

// ---------------------------------------------------------------- built-in kinds from @kubernetes/client-node

async function builtInDefinitions(quantityProps) {
  const dir = packageDir("@kubernetes/client-node");
  const modelsDir = join(dir, "dist", "gen", "models");
  const release = /OpenAPI spec version: release-(\d+\.\d+)/.exec(readFileSync(join(modelsDir, "V1Deployment.js"), "utf8"))?.[1];
  if (!release) throw new Error("cannot read the Kubernetes release from @kubernetes/client-node models");
  const definitions = {};
  for (const file of readdirSync(modelsDir).filter((f) => f.endsWith(".js") && !["all.js", "ObjectSerializer.js"].includes(f))) {
    const module = await import(pathToFileURL(join(modelsDir, file)).href);
    const name = file.slice(0, -3);
    const model = module[name];
    if (!model || !Array.isArray(model.attributeTypeMap)) continue;
    const dts = readFileSync(join(modelsDir, `${name}.d.ts`), "utf8");
    const required = new Set([...dts.matchAll(/^\s+'([^']+)':/gm)].map((m) => m[1]));
    const properties = {};
    const requiredWire = [];
    for (const attribute of model.attributeTypeMap) {
      const quantity = quantityProps(name, attribute.baseName);
      properties[attribute.baseName] = clientNodeType(attribute.type, attribute.format, quantity);
      if (required.has(attribute.name)) requiredWire.push(attribute.baseName);
    }
    definitions[name] = { type: nullable("object"), properties, ...(requiredWire.length ? { required: requiredWire } : {}) };
    if (model.attributeTypeMap.length === 0) definitions[name] = { type: nullable("object") };
  }
  // The one type name the models use without a model class of its own.
  definitions.V1MicroTime = { type: nullable("string"), format: "date-time" };
  return { release, definitions, kinds: builtInKinds(join(dir, "dist", "gen", "apis"), definitions) };
}

function clientNodeType(type, format, quantity) {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: nullable("array"), items: clientNodeType(array[1], format, quantity) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: nullable("object"), additionalProperties: clientNodeType(map[1], format, quantity) };
  if (quantity) return QUANTITY;
  switch (type) {
    case "string":
      return { type: nullable("string") };
    case "Date":
      return { type: nullable("string"), format: "date-time" };
    case "boolean":
      return { type: nullable("boolean") };
    case "number":
      return { type: nullable(format === "int32" || format === "int64" ? "integer" : "number") };
    case "IntOrString":
      return INT_OR_STRING;
    case "any":
    case "object":
      return {};
    default:
      return ref(type);
  }
}

/** Kind names come from the model name without its version prefix ("V1Deployment", "CoreV1Event" -> "Event"). */
function builtInKinds(apisDir, definitions) {
  const kinds = {};
  for (const file of readdirSync(apisDir).filter((f) => f.endsWith("Api.js"))) {
    const source = readFileSync(join(apisDir, file), "utf8");
    // One request builder per method: its path, its HTTP method and the model of its body.
    for (const block of source.split(/\n    (?:async )?\w+\(/)) {
      const path = /const localVarPath = '([^']+)'/.exec(block)?.[1];
      if (!path || !/HttpMethod\.POST\)/.test(block) || path.includes("{name}")) continue;
      const body = /ObjectSerializer\.serialize\(body, "(\w+)"/.exec(block)?.[1];
      const gv = /^\/api\/(v1)\/|^\/apis\/([^/]+)\/([^/]+)\//.exec(path);
      if (!body || !gv || !definitions[body]) continue;
      const groupVersion = gv[1] ?? `${gv[2]}/${gv[3]}`;
      const kind = body.replace(/^(?:[A-Z][a-z]+)*V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, "");
      (kinds[groupVersion] ??= {})[kind] = body;
    }
  }
  return kinds;
}

// ---------------------------------------------------------------- kubernetes-models .d.ts (Flux, Argo CD, Quantity)

/** The exported global names of a .d.ts file: `export type { IX as IComGithub...X }` -> local -> global. */
function exportedNames(fileName, cache) {
  let names = cache.get(fileName);
  if (names) return names;
  names = new Map();
  const text = readFileSync(fileName, "utf8");
  for (const statement of text.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const part of statement[1].split(",")) {
      const m = /^\s*(\w+) as (\w+)\s*$/.exec(part);
      if (m && m[1].startsWith("I") && m[2].startsWith("I")) names.set(m[1], m[2].slice(1));
    }
  }
  cache.set(fileName, names);
  return names;
}

function modelKinds(packageName) {
  const dir = packageDir(packageName);
  const found = [];
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "_schemas") walk(full);
      } else if (entry.name.endsWith(".js")) {
        const text = readFileSync(full, "utf8");
        const apiVersion = /this\.apiVersion="([^"]+)"/.exec(text)?.[1];
        const kind = /this\.kind="([^"]+)"/.exec(text)?.[1];
        const schema = /_schemas\/(\w+)\.js/.exec(text)?.[1];
        if (apiVersion && kind && schema && !kind.endsWith("List")) found.push({ apiVersion, kind, schema, dts: full.replace(/\.js$/, ".d.ts") });
      }
    }
  };
  walk(dir);
  return found;
}

function dtsDefinitions(entries) {
  const program = ts.createProgram(entries.map((e) => e.dts), { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const cache = new Map();
  const definitions = {};
  const pending = [];

  const globalName = (type) => {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    const declaration = symbol?.declarations?.[0];
    if (!declaration) return undefined;
    return exportedNames(declaration.getSourceFile().fileName, cache).get(symbol.name);
  };

  const convert = (type) => {
    const alias = type.aliasSymbol?.name ?? "";
    if (/IntOrString/.test(alias)) return INT_OR_STRING;
    if (/Quantity/.test(alias)) return QUANTITY;
    if (type.flags & ts.TypeFlags.Any || type.flags & ts.TypeFlags.Unknown) return {};
    if (type.flags & ts.TypeFlags.String) return { type: nullable("string") };
    if (type.flags & ts.TypeFlags.Number) return { type: nullable("number") };
    if (type.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) return { type: nullable("boolean") };
    if (type.flags & ts.TypeFlags.StringLiteral) return { type: nullable("string"), enum: [type.value, null] };
    if (type.isUnion()) {
      const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
      if (members.every((t) => t.flags & ts.TypeFlags.StringLiteral)) return { type: nullable("string"), enum: [...members.map((t) => t.value), null] };
      if (members.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) return { type: nullable("boolean") };
      if (members.length === 1) return convert(members[0]);
      return {};
    }
    if (checker.isArrayType(type)) return { type: nullable("array"), items: convert(checker.getTypeArguments(type)[0]) };
    const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
    const properties = checker.getPropertiesOfType(type);
    if (index && properties.length === 0) return { type: nullable("object"), additionalProperties: convert(index.type) };
    const name = globalName(type);
    if (name) {
      if (!(name in definitions)) {
        definitions[name] = null;
        pending.push([name, type]);
      }
      return ref(name);
    }
    return objectSchema(type);
  };

  const objectSchema = (type) => {
    const properties = {};
    const required = [];
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!declaration) continue;
      properties[property.name] = convert(checker.getTypeOfSymbolAtLocation(property, declaration));
      if (!(property.flags & ts.SymbolFlags.Optional)) required.push(property.name);
    }
    // An interface without members (apiextensions JSON, RawExtension) stands for free-form JSON.
    if (Object.keys(properties).length === 0) return {};
    return { type: nullable("object"), properties, ...(required.length ? { required } : {}) };
  };

  const kinds = {};
  for (const entry of entries) {
    const source = program.getSourceFile(entry.dts);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const exported = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === `I${entry.schema}`);
    if (!exported) throw new Error(`no I${entry.schema} in ${entry.dts}`);
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const type = checker.getDeclaredTypeOfSymbol(target);
    definitions[entry.schema] = null;
    pending.push([entry.schema, type]);
    (kinds[entry.apiVersion] ??= {})[entry.kind] = entry.schema;
  }
  while (pending.length) {
    const [name, type] = pending.shift();
    definitions[name] = objectSchema(type);
  }
  // apiVersion and kind select the schema; their literal types add nothing but noise to errors.
  for (const byKind of Object.values(kinds)) {
    for (const name of Object.values(byKind)) {
      const properties = definitions[name].properties;
      properties.apiVersion = { type: nullable("string") };
      properties.kind = { type: nullable("string") };
    }
  }
  return { definitions, kinds };
}

/** (client-node model name, wire property) -> is a resource.Quantity, per kubernetes-models' declarations. */
function quantityIndex() {
  const dir = packageDir("kubernetes-models");
  const byDefinition = new Map();
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "_schemas") walk(full);
      } else if (entry.name.endsWith(".d.ts")) {
        const text = readFileSync(full, "utf8");
        if (!text.includes("ResourceQuantity")) continue;
        const global = /export (?:type )?\{ I\w+ as I(\w+)/.exec(text)?.[1];
        const body = /export interface I\w+[^{]*\{([\s\S]*?)\n\}/.exec(text)?.[1] ?? "";
        const props = new Set([...body.matchAll(/^ {4}"([^"]+)"\??: ([^;]*(?:\n(?! {4}")[^;]*)*);/gm)].filter((m) => m[2].includes("ResourceQuantity")).map((m) => m[1]));
        if (global && props.size) byDefinition.set(global, props);
      }
    }
  };
  walk(dir);
  return (clientNodeName, property) => {
    for (const [global, props] of byDefinition) if (global.endsWith(clientNodeName) && props.has(property)) return true;
    return false;
  };
}

// ---------------------------------------------------------------- kustomize.config.k8s.io

/** kustomization.yaml is read by kustomize, not the API server; only its top-level fields are checked. */
function kustomizeDefinitions() {
  const list = { type: nullable("array") };
  const map = { type: nullable("object") };
  const string = { type: nullable("string") };
  const properties = {
    apiVersion: string, kind: string, metadata: map, resources: list, components: list, crds: list, bases: list,
    namespace: string, namePrefix: string, nameSuffix: string, commonLabels: map, labels: list, commonAnnotations: map,
    patches: list, patchesStrategicMerge: list, patchesJson6902: list, images: list, replicas: list, replacements: list,
    configMapGenerator: list, secretGenerator: list, generatorOptions: map, generators: list, transformers: list,
    validators: list, helmCharts: list, helmGlobals: map, helmChartInflationGenerator: list, openapi: map,
    buildMetadata: list, sortOptions: map, vars: list, configurations: list,
  };
  return {
    definitions: { KustomizeKustomization: { type: nullable("object"), properties } },
    kinds: {
      "kustomize.config.k8s.io/v1beta1": { Kustomization: "KustomizeKustomization" },
      "kustomize.config.k8s.io/v1alpha1": { Component: "KustomizeKustomization" },
    },
  };
}

// ---------------------------------------------------------------- main

function mergeKinds(target, source) {
  for (const [gv, byKind] of Object.entries(source)) Object.assign((target[gv] ??= {}), byKind);
}
/**
 * Flux serves one version per kind (provider facts for Flux 2.9: the beta versions are not served any
 * more), while flux-cd models keep the old ones: keep only the newest version of each Flux kind, so an old apiVersion
 * is reported as having no schema instead of being accepted.
 */
function servedFluxVersions(kinds) {
  const rank = (version) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    return m ? Number(m[1]) * 1000 + (m[2] === "alpha" ? 0 : m[2] === "beta" ? 300 : 900) + Number(m[3] ?? 0) : 0;
  };
  const newest = new Map();
  for (const [gv, byKind] of Object.entries(kinds)) {
    const [group, version] = gv.split("/");
    if (!group.endsWith(".toolkit.fluxcd.io")) continue;
    for (const kind of Object.keys(byKind)) {
      const key = `${group}/${kind}`;
      if (!newest.has(key) || rank(version) > rank(newest.get(key))) newest.set(key, version);
    }
  }
  const served = {};
  for (const [gv, byKind] of Object.entries(kinds)) {
    const [group, version] = gv.split("/");
    for (const [kind, name] of Object.entries(byKind)) {
      if (group.endsWith(".toolkit.fluxcd.io") && newest.get(`${group}/${kind}`) !== version) continue;
      (served[gv] ??= {})[kind] = name;
    }
  }
  return served;
}
function sortKeys(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const core = await builtInDefinitions(quantityIndex());
const thirdParty = dtsDefinitions([...modelKinds("@kubernetes-models/flux-cd"), ...modelKinds("@kubernetes-models/argo-cd")]);

/**
 * Where the model packages lag the controllers the blueprints pin (Flux 2.9): enums as the served API has them,
 * checked against source-controller's CRDs (config/crd/bases) at v1.9.1. Without this a valid manifest would be
 * rejected. Each entry may only widen the models' enum, never drop a value.
 */
const ENUM_CORRECTIONS = [
  // source-controller v1.9.0 added AWS CodeCommit authentication: `+kubebuilder:validation:Enum=generic;aws;azure;github`
  { definition: "ComGithubFluxcdSourceControllerApiV1GitRepositorySpec", property: "provider", values: ["generic", "aws", "azure", "github"] },
];
for (const { definition, property, values } of ENUM_CORRECTIONS) {
  const schema = thirdParty.definitions[definition]?.properties?.[property];
  if (!Array.isArray(schema?.enum)) throw new Error(`ENUM_CORRECTIONS: ${definition}.${property} has no enum any more; drop or update the entry`);
  const dropped = schema.enum.filter((value) => value !== null && !values.includes(value));
  if (dropped.length > 0) throw new Error(`ENUM_CORRECTIONS: ${definition}.${property} would lose ${dropped.join(", ")}`);
  schema.enum = [...values, ...(schema.enum.includes(null) ? [null] : [])];
}
const kustomize = kustomizeDefinitions();

const definitions = { ...core.definitions };
for (const [name, schema] of Object.entries({ ...thirdParty.definitions, ...kustomize.definitions })) {
  if (name in definitions) throw new Error(`definition name clash: ${name}`);
  definitions[name] = schema;
}
const kinds = {};
mergeKinds(kinds, core.kinds);
mergeKinds(kinds, servedFluxVersions(thirdParty.kinds));
mergeKinds(kinds, kustomize.kinds);

/** Only definitions reachable from a served kind are shipped (the Flux beta models are dropped here). */
function reachable(definitions, kinds) {
  const keep = new Set();
  const visit = (name) => {
    if (keep.has(name)) return;
    keep.add(name);
    JSON.stringify(definitions[name], (key, value) => {
      if (key === "$ref" && typeof value === "string") visit(value.slice("#/definitions/".length));
      return value;
    });
  };
  for (const byKind of Object.values(kinds)) for (const name of Object.values(byKind)) visit(name);
  return Object.fromEntries([...keep].map((name) => [name, definitions[name]]));
}

const index = {
  kubernetesVersion: `${core.release}.0`,
  generatedBy: "scripts/build-schemas.mjs",
  sources: {
    "@kubernetes/client-node": packageVersion("@kubernetes/client-node"),
    "kubernetes-models": packageVersion("kubernetes-models"),
    "@kubernetes-models/flux-cd": packageVersion("@kubernetes-models/flux-cd"),
    "@kubernetes-models/argo-cd": packageVersion("@kubernetes-models/argo-cd"),
  },
  kinds: {},
};
const shipped = sortKeys(reachable(definitions, kinds));
const missing = new Set();
JSON.stringify(shipped, (key, value) => {
  if (key === "$ref" && typeof value === "string" && !(value.slice("#/definitions/".length) in shipped)) missing.add(value);
  return value;
});
if (missing.size > 0) throw new Error(`unresolved references: ${[...missing].join(", ")}`);

/** Kinds most manifests use: their validators share one small bundle, so a typical file loads only that. */
const COMMON_KINDS = new Set([
  "v1/ConfigMap", "v1/Secret", "v1/Service", "v1/ServiceAccount", "v1/Namespace", "v1/Pod", "v1/PersistentVolumeClaim",
  "v1/LimitRange", "v1/ResourceQuota", "apps/v1/Deployment", "apps/v1/StatefulSet", "apps/v1/DaemonSet",
  "apps/v1/ReplicaSet", "batch/v1/Job", "batch/v1/CronJob", "networking.k8s.io/v1/Ingress",
  "networking.k8s.io/v1/NetworkPolicy", "policy/v1/PodDisruptionBudget", "autoscaling/v2/HorizontalPodAutoscaler",
  "rbac.authorization.k8s.io/v1/Role", "rbac.authorization.k8s.io/v1/RoleBinding", "rbac.authorization.k8s.io/v1/ClusterRole",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding", "scheduling.k8s.io/v1/PriorityClass", "storage.k8s.io/v1/StorageClass",
  "node.k8s.io/v1/RuntimeClass",
]);

function bundleOf(groupVersion, kind) {
  if (COMMON_KINDS.has(`${groupVersion}/${kind}`)) return "common";
  if (groupVersion.includes(".toolkit.fluxcd.io/")) return "flux";
  if (groupVersion.startsWith("argoproj.io/")) return "argo-cd";
  if (groupVersion.startsWith("kustomize.config.k8s.io/")) return "kustomize";
  return "kubernetes";
}

/**
 * Precompiled validators (Ajv standalone code, one export per kind's definition): compiling a Deployment schema at
 * run time costs most of a second, loading its precompiled bundle tens of milliseconds. Bundles group kinds that
 * are used together and share definitions; a file loads only the bundles its kinds need.
 */
function precompiled(definitionNames, strict) {
  const ajv = new Ajv({ ...AJV_OPTIONS, inlineRefs: false, code: { source: true, esm: true, lines: false } });
  ajv.addSchema({ $id: "k8s", definitions: strict ? strictSchema({ definitions: shipped }).definitions : shipped });
  const exports = Object.fromEntries([...definitionNames].map((name) => [name, `k8s#/definitions/${name}`]));
  return `// Generated by scripts/build-schemas.mjs from definitions.json${strict ? " (strict: unknown fields rejected)" : ""}. Do not edit.\n${standaloneCode(ajv, exports)}`;
}

const bundles = new Map();
for (const [groupVersion, byKind] of Object.entries(kinds)) {
  for (const [kind, name] of Object.entries(byKind)) {
    const bundle = bundleOf(groupVersion, kind);
    if (!bundles.has(bundle)) bundles.set(bundle, new Set());
    bundles.get(bundle).add(name);
    byKind[kind] = { definition: name, bundle };
  }
}

index.kinds = Object.fromEntries(Object.entries(sortKeys(kinds)).map(([gv, byKind]) => [gv, sortKeys(byKind)]));

rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, "validators"), { recursive: true });
writeFileSync(join(outDir, "definitions.json"), JSON.stringify({ definitions: shipped }));
for (const [bundle, names] of bundles) {
  writeFileSync(join(outDir, "validators", `${bundle}.mjs`), precompiled(names, false));
  writeFileSync(join(outDir, "validators", `${bundle}.strict.mjs`), precompiled(names, true));
}
writeFileSync(join(outDir, "index.json"), `${JSON.stringify(index, null, 1)}\n`);
const kindCount = Object.values(index.kinds).reduce((n, byKind) => n + Object.keys(byKind).length, 0);
console.log(`wrote ${relative(root, outDir)}: ${Object.keys(shipped).length} definitions, ${kindCount} kinds, Kubernetes ${index.kubernetesVersion}`);
