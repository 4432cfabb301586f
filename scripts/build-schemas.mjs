#!/usr/bin/env node
/**
 * Generates the embedded Kubernetes JSON schemas under schemas/kubernetes/:
 *
 * - built-in kinds: @kubernetes/client-node (generated models for the Kubernetes OpenAPI release it names):
 *   property types from each model's attributeTypeMap, required properties from its .d.ts, and
 *   group/version/kind from the create (POST) requests of the generated API classes;
 * - enums and resource.Quantity fields of built-in kinds, which client-node's models lose: from
 *   schema-sources/kubernetes/api-fields.json (derived from the Kubernetes Go API types by
 *   scripts/derive-kubernetes-fields.mjs);
 * - Flux and Argo CD kinds, and the kinds of the add-ons' CRDs (a validator bundle per group): schema-sources/crds
 *   (the upstream CRDs of the pinned releases without their prose,
 *   derived by scripts/derive-crd-schemas.mjs), read as the API server reads a CRD (src/validators/kubernetes/crd-schema.ts);
 * - kustomize.config.k8s.io Kustomization/Component: a small hand-written top-level schema.
 *
 * A required field is never null (`selector:` with nothing after it is refused, as by kubeconform and the API
 * server); an optional one may be (null is "unset").
 *
 * Output in schemas/kubernetes/: definitions.json ({definitions}), index.json (versions, sources and the
 * "group/version" -> kind -> {definition, bundle} map) and validators/<bundle>[.strict].mjs (precompiled Ajv validators).
 * Run: `npm run build:schemas` (builds dist/ first: the script reuses the runtime's Ajv options, CRD reading and strict
 * transform).
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Ajv } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
// The runtime's own Ajv options, CRD reading and strict-mode transform, so that precompiled and runtime-compiled
// schemas agree (run `npx tsc -p tsconfig.build.json` first; `npm run build:schemas` does both).
import { AJV_OPTIONS, strictSchema } from "../dist/validators/kubernetes/compile.js";
import { crdSchemaToJsonSchema } from "../dist/validators/kubernetes/crd-schema.js";
import { collectPatternFailures, re2Pattern } from "../dist/validators/kubernetes/regexp.js";
import { validatorModuleSource } from "../dist/validators/kubernetes/schema-runtime.js";
import { shareRepeatedSubschemas } from "../dist/validators/kubernetes/shared-subschemas.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sourcesDir = join(root, "schema-sources");
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

async function builtInDefinitions() {
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
      properties[attribute.baseName] = clientNodeType(attribute.type, attribute.format);
      if (required.has(attribute.name)) requiredWire.push(attribute.baseName);
    }
    definitions[name] = { type: nullable("object"), properties, ...(requiredWire.length ? { required: requiredWire } : {}) };
    if (model.attributeTypeMap.length === 0) definitions[name] = { type: nullable("object") };
  }
  // The one type name the models use without a model class of its own.
  definitions.V1MicroTime = { type: nullable("string"), format: "date-time" };
  return { release, definitions, kinds: builtInKinds(join(dir, "dist", "gen", "apis"), definitions) };
}

function clientNodeType(type, format) {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: nullable("array"), items: clientNodeType(array[1], format) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: nullable("object"), additionalProperties: clientNodeType(map[1], format) };
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

// ---------------------------------------------------------------- enums and quantities of built-in kinds

/**
 * client-node names a model by version and type ("V1ContainerPort"), and by group too where two groups share a type
 * name ("CoreV1Event", "EventsV1Event"): the model of an OpenAPI definition name, or undefined when it has none.
 */
function clientNodeModel(definitionName, definitions) {
  const m = /^io\.k8s\.api\.([\w.]+)\.(v\d+(?:alpha\d+|beta\d+)?)\.(\w+)$/.exec(definitionName);
  if (!m) throw new Error(`api-fields.json: unexpected definition name ${definitionName}`);
  const [, group, version, type] = m;
  const capital = (word) => word.charAt(0).toUpperCase() + word.slice(1);
  const versioned = `${capital(version)}${type}`;
  const grouped = `${group.split(".").map(capital).join("")}${versioned}`;
  return grouped in definitions ? grouped : versioned in definitions ? versioned : undefined;
}

/** A field's facts from api-fields.json applied to its client-node schema (a fresh object, never a shared one). */
function withFieldFacts(schema, facts, where) {
  if (facts.quantity) return { ...QUANTITY };
  const copy = { ...schema };
  if (facts.enum) {
    if (!copy.type?.includes?.("string")) throw new Error(`${where}: an enum on a ${JSON.stringify(copy.type ?? copy.$ref)} field`);
    copy.enum = [...facts.enum, null];
  }
  if (facts.items) {
    if (!copy.items) throw new Error(`${where}: item facts on a field that is not a list`);
    copy.items = withFieldFacts(copy.items, facts.items, `${where}[]`);
  }
  if (facts.additionalProperties) {
    if (!copy.additionalProperties) throw new Error(`${where}: value facts on a field that is not a map`);
    copy.additionalProperties = withFieldFacts(copy.additionalProperties, facts.additionalProperties, `${where}{}`);
  }
  return copy;
}

/**
 * Adds the enums of the Kubernetes API types (as the official OpenAPI v3 documents list them) and the Quantity type
 * to client-node's definitions. An optional enum field also takes "": Go reads an empty string as the field unset
 * (defaulted by the API server), and charts write `imagePullPolicy: ""`; a required one does not.
 */
function applyApiFields(definitions) {
  const apiFields = JSON.parse(readFileSync(join(sourcesDir, "kubernetes", "api-fields.json"), "utf8"));
  let applied = 0;
  const unmatched = [];
  for (const [definitionName, fields] of Object.entries(apiFields)) {
    const model = clientNodeModel(definitionName, definitions);
    if (!model) {
      unmatched.push(definitionName);
      continue;
    }
    const definition = definitions[model];
    const required = new Set(definition.required ?? []);
    for (const [field, facts] of Object.entries(fields)) {
      const schema = definition.properties?.[field];
      if (!schema) throw new Error(`api-fields.json: ${definitionName}.${field} is not a property of client-node's ${model}`);
      const enriched = withFieldFacts(schema, facts, `${model}.${field}`);
      if (enriched.enum && !required.has(field) && !enriched.enum.includes("")) enriched.enum = ["", ...enriched.enum];
      if (enriched.items?.enum && !enriched.items.enum.includes("")) enriched.items = { ...enriched.items, enum: ["", ...enriched.items.enum] };
      definition.properties[field] = enriched;
      applied++;
    }
  }
  return { applied, unmatched };
}

/**
 * A required field is never null: its own type loses "null", and a reference to a definition (whose type allows null
 * for the places where it is optional) gets a sibling `type` without it.
 */
function requiredNotNull(definitions) {
  const withoutNull = (type) => (Array.isArray(type) ? type.filter((t) => t !== "null") : type);
  for (const definition of Object.values(definitions)) {
    for (const field of definition.required ?? []) {
      const schema = definition.properties?.[field];
      if (!schema) continue;
      const copy = { ...schema };
      if (copy.$ref) {
        const target = definitions[copy.$ref.slice("#/definitions/".length)];
        if (target?.type) copy.type = withoutNull(target.type);
      } else if (copy.type) {
        copy.type = withoutNull(copy.type);
      }
      if (Array.isArray(copy.enum)) copy.enum = copy.enum.filter((value) => value !== null);
      definition.properties[field] = copy;
    }
  }
}

// ---------------------------------------------------------------- Flux and Argo CD kinds from their CRDs

/** "source.toolkit.fluxcd.io", "v1", "GitRepository" -> "io.fluxcd.toolkit.source.v1.GitRepository". */
function crdDefinitionName(group, version, kind) {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

function crdDefinitions() {
  const index = JSON.parse(readFileSync(join(sourcesDir, "crds", "index.json"), "utf8"));
  const definitions = {};
  const kinds = {};
  for (const { group, kind, version, file } of index) {
    const schema = crdSchemaToJsonSchema(JSON.parse(readFileSync(join(sourcesDir, "crds", file), "utf8")));
    // Every object has these, whether or not the CRD lists them (strict mode must accept them); the API server checks
    // a custom resource's metadata as any object's, whatever the CRD says of it (usually `type: object`).
    schema.properties = { apiVersion: { type: nullable("string") }, kind: { type: nullable("string") }, ...schema.properties, metadata: ref("V1ObjectMeta") };
    const name = crdDefinitionName(group, version, kind);
    definitions[name] = schema;
    (kinds[`${group}/${version}`] ??= {})[kind] = name;
  }
  // Repeated subtrees (an ApplicationSet carries the Application spec in every generator) become shared definitions.
  return { definitions: shareRepeatedSubschemas(definitions, "shared."), kinds };
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
function sortKeys(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const core = await builtInDefinitions();
const fieldFacts = applyApiFields(core.definitions);
requiredNotNull(core.definitions);
const crds = crdDefinitions();
const kustomize = kustomizeDefinitions();

const definitions = { ...core.definitions };
for (const [name, schema] of Object.entries({ ...crds.definitions, ...kustomize.definitions })) {
  if (name in definitions) throw new Error(`definition name clash: ${name}`);
  definitions[name] = schema;
}
const kinds = {};
mergeKinds(kinds, core.kinds);
mergeKinds(kinds, crds.kinds);
mergeKinds(kinds, kustomize.kinds);

/** Only definitions reachable from a served kind are shipped. */
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

const upstream = JSON.parse(readFileSync(join(sourcesDir, "sources.json"), "utf8"));
const index = {
  kubernetesVersion: `${core.release}.0`,
  generatedBy: "scripts/build-schemas.mjs",
  sources: { "@kubernetes/client-node": packageVersion("@kubernetes/client-node"), ...Object.fromEntries(Object.entries(upstream).map(([name, source]) => [name, source.release])) },
  // The derived schemas ship in the package: where they come from and under which licence.
  notices: Object.fromEntries(Object.entries(upstream).map(([name, source]) => [name, `${source.from} (${source.license}); constraints derived, prose dropped, see schema-sources/README.md`])),
  kinds: {},
};
if (upstream.kubernetes && upstream.kubernetes.release !== `v${index.kubernetesVersion}`) {
  throw new Error(`schema-sources/kubernetes is from Kubernetes ${upstream.kubernetes.release}, client-node describes ${index.kubernetesVersion}: derive them from the same release`);
}
const shipped = sortKeys(reachable(definitions, kinds));
const missing = new Set();
JSON.stringify(shipped, (key, value) => {
  if (key === "$ref" && typeof value === "string" && !(value.slice("#/definitions/".length) in shipped)) missing.add(value);
  return value;
});
if (missing.size > 0) throw new Error(`unresolved references: ${[...missing].join(", ")}`);

// Every pattern must run under RE2 (the runtime engine): a pattern that would be skipped is a build error here.
const { failures } = collectPatternFailures(() =>
  JSON.stringify(shipped, (key, value) => {
    if (key === "pattern" && typeof value === "string") re2Pattern(value);
    return value;
  }),
);
if (failures.length > 0) throw new Error(`patterns RE2 cannot compile: ${failures.map((f) => `${f.pattern} (${f.reason})`).join("; ")}`);

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

/** The groups of the add-ons' CRDs (schema-sources/crds beyond Flux's and Argo CD's): a bundle each, loaded only by files that use them. */
const ADDON_GROUPS = new Set(JSON.parse(readFileSync(join(sourcesDir, "crds", "index.json"), "utf8")).map((entry) => entry.group).filter((group) => !/(^|\.)fluxcd\.io$/.test(group) && group !== "argoproj.io"));

/** Argo CD's own kinds (argoproj/argo-cd manifests/crds). */
const ARGO_CD_KINDS = new Set(["Application", "ApplicationSet", "AppProject"]);

function bundleOf(groupVersion, kind) {
  if (COMMON_KINDS.has(`${groupVersion}/${kind}`)) return "common";
  if (/\.fluxcd\.io\//.test(groupVersion)) return "flux";
  // argoproj.io is Argo CD's group and Argo Rollouts' (the argo-rollouts add-on): Argo CD's kinds stay in the bundle
  // every Argo CD repository loads, the add-on's get a bundle of their own, loaded only by files that use them.
  if (groupVersion.startsWith("argoproj.io/")) return ARGO_CD_KINDS.has(kind) ? "argo-cd" : "argoproj.io";
  if (groupVersion.startsWith("kustomize.config.k8s.io/")) return "kustomize";
  const group = groupVersion.split("/")[0];
  if (ADDON_GROUPS.has(group)) return group;
  return "kubernetes";
}

/**
 * Precompiled validators (Ajv standalone code, one export per kind's definition, wrapped by validatorModuleSource):
 * compiling a Deployment schema at run time costs most of a second, loading its precompiled bundle tens of
 * milliseconds. Bundles group kinds that are used together and share definitions; a file loads only the bundles its
 * kinds need.
 */
function precompiled(definitionNames, strict) {
  const ajv = new Ajv({ ...AJV_OPTIONS, inlineRefs: false, code: { ...AJV_OPTIONS.code, source: true, esm: false, lines: false } });
  ajv.addSchema({ $id: "k8s", definitions: strict ? strictSchema({ definitions: shipped }).definitions : shipped });
  const exports = Object.fromEntries([...definitionNames].map((name) => [name, `k8s#/definitions/${name}`]));
  const header = `// Generated by scripts/build-schemas.mjs from definitions.json${strict ? " (strict: unknown fields rejected)" : ""}. Do not edit.`;
  return validatorModuleSource(standaloneCode(ajv, exports), header);
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
console.log(
  `wrote ${relative(root, outDir)}: ${Object.keys(shipped).length} definitions, ${kindCount} kinds, Kubernetes ${index.kubernetesVersion}; ` +
    `${fieldFacts.applied} enum/quantity fields (${fieldFacts.unmatched.length} API types without a client-node model)`,
);
