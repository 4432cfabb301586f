#!/usr/bin/env node
// Derives schemas/terraform/{scaleway,openstack,azurerm}.json from the providers' Go source at their
// release tags: resource and data source names, arguments, nested blocks, Required/Optional/Computed, types,
// MaxItems/MinItems, ForceNew (and replacements a CustomizeDiff can force), deprecations and exactly/at-least-one-of
// and conflicts-with rules. No description or code is copied: only these facts, with the tag, commit and licence.
//
//   node scripts/extract-provider-schemas.mjs --mirror /work/.mirror [--only scaleway] [--out dir]
//
// --mirror holds one git directory per provider repository (`owner+name/repo`, as the team's fetch tool lays them
// out); --git-<provider> DIR names one directly. Facts the source states only in prose or history (removed
// resources and arguments, with what replaces them) come from ./provider-schemas/curated.mjs.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { clone, GoProgram } from "./provider-schemas/evaluate.mjs";
import { readGoFiles } from "./provider-schemas/git-tree.mjs";
import { conditionalReplacements, frameworkBody, gaps, markConditional, sdkBody, sdkResourceSchema, sdkTimeouts } from "./provider-schemas/schema.mjs";
import { CURATED } from "./provider-schemas/curated.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: options } = parseArgs({
  options: {
    mirror: { type: "string", default: "/work/.mirror" },
    out: { type: "string", default: resolve(root, "schemas/terraform") },
    only: { type: "string" },
    "git-scaleway": { type: "string" },
    "git-openstack": { type: "string" },
    "git-azurerm": { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});

/**
 * Azure services a cluster repository may use (Kubernetes, network, identity and IAM, load balancers, storage,
 * compute, DNS, secrets, and the Log Analytics workspace AKS monitoring writes to). Every other azurerm type is
 * listed by name only, and validation reports it as not checked.
 */
const AZURE_SERVICES = [
  "authorization", "compute", "containers", "dns", "keyvault", "loadbalancer", "loganalytics", "managedidentity",
  "network", "privatedns", "resource", "storage",
];

const PROVIDERS = {
  scaleway: {
    repository: "scaleway/terraform-provider-scaleway",
    tag: "v2.81.0",
    source: "scaleway/scaleway",
    versionConstraint: "~> 2.81",
    roots: ["internal", "provider"],
    modules: [{ prefix: "github.com/scaleway/terraform-provider-scaleway/v2/", dir: "" }],
  },
  openstack: {
    repository: "terraform-provider-openstack/terraform-provider-openstack",
    tag: "v3.4.0",
    source: "terraform-provider-openstack/openstack",
    versionConstraint: "~> 3.4",
    roots: ["openstack"],
    modules: [{ prefix: "github.com/terraform-provider-openstack/terraform-provider-openstack/v3/", dir: "" }],
  },
  azurerm: {
    repository: "hashicorp/terraform-provider-azurerm",
    tag: "v5.2.0",
    source: "hashicorp/azurerm",
    versionConstraint: "~> 5.2",
    roots: ["internal", "vendor/github.com/hashicorp/go-azure-helpers"],
    modules: [
      { prefix: "github.com/hashicorp/terraform-provider-azurerm/", dir: "" },
      { prefix: "github.com/hashicorp/go-azure-helpers/", dir: "vendor/github.com/hashicorp/go-azure-helpers/" },
    ],
  },
};

/** Helpers whose loops and type switches the evaluator does not run, reproduced by what they do to a schema. */
const INTRINSICS = {
  // scaleway internal/datasource/schemas.go: a data source schema made of a resource's, every field computed
  "internal/datasource.SchemaFromResourceSchema": ([schema]) => computedCopy(schema),
  "internal/datasource.FixDatasourceSchemaFlags": ([schema, required, ...keys]) => fixFlags(schema, required?.v === true, keys),
  "internal/datasource.AddOptionalFieldsToSchema": ([schema, ...keys]) => fixFlags(schema, false, keys),
};

function computedCopy(schema) {
  if (schema?.k !== "map") return schema;
  const entries = new Map();
  for (const [name, field] of schema.entries) {
    if (field?.k !== "struct") {
      entries.set(name, field);
      continue;
    }
    const fields = new Map([["Type", field.fields.get("Type")], ["Computed", { k: "bool", v: true }]]);
    const elem = field.fields.get("Elem");
    if (elem?.k === "struct" && elem.type.endsWith("Resource")) {
      const nested = elem.fields.get("Schema");
      fields.set("Elem", { ...elem, fields: new Map([["Schema", computedCopy(nested)]]) });
    } else if (elem) fields.set("Elem", elem);
    entries.set(name, { ...field, fields });
  }
  return { k: "map", entries };
}

function fixFlags(schema, required, keys) {
  const names = keys.length === 1 && keys[0].k === "list" ? keys[0].items : keys;
  for (const key of names) {
    const field = key.k === "str" ? schema?.entries?.get(key.v) : undefined;
    if (field?.k !== "struct") continue;
    field.fields = new Map(field.fields);
    field.fields.set("Computed", { k: "bool", v: false });
    field.fields.set("Optional", { k: "bool", v: !required });
    field.fields.set("Required", { k: "bool", v: required });
  }
  return { k: "nil" };
}

/** Keyed elements `Key: value` anywhere in a file's declarations. */
function findKeyed(node, key, out = []) {
  if (!node || typeof node !== "object") return out;
  if (Array.isArray(node)) {
    for (const item of node) findKeyed(item, key, out);
    return out;
  }
  if (node.kind === "composite") for (const elt of node.elts) if (elt.key?.kind === "ident" && elt.key.name === key) out.push(elt.value);
  for (const [name, value] of Object.entries(node)) if (name !== "line" && typeof value === "object") findKeyed(value, key, out);
  return out;
}

function sdkResourceTable(resource, program, where, fileOf) {
  if (resource?.k !== "struct") return { gap: `not evaluated (${resource?.why ?? resource?.k})` };
  const body = sdkBody(sdkResourceSchema(resource, program), program, where);
  if (!body) return { gap: "schema not evaluated" };
  const timeouts = sdkTimeouts(resource);
  if (timeouts) body.timeouts = timeouts;
  if (resource.fields.has("DeprecationMessage")) body.deprecated = true;
  const customizeDiff = resource.fields.get("CustomizeDiff");
  if (customizeDiff && customizeDiff.k !== "nil") {
    const file = fileOf(resource);
    const node = resource.customizeDiffNode;
    if (file && node) for (const path of conditionalReplacements(node, file, program)) markConditional(body, path);
  }
  return { body };
}

/** Runs `(recv).method(args...)` of a struct type in a package. */
function callMethod(program, pkg, type, method, args = []) {
  const entry = pkg.methods.get(`${type}.${method}`);
  if (!entry) return undefined;
  const recv = { k: "struct", type, fields: new Map(), pkg };
  return program.invoke({ k: "func", decl: entry.decl, file: entry.file, name: `${pkg.dir}.${type}.${method}`, recv }, args);
}

const paramStruct = (fields = {}) => ({ k: "struct", type: "param", fields: new Map(Object.entries(fields)) });

/** A framework resource or data source: its type name (from Metadata) and body (from Schema). */
function frameworkTable(program, constructor, providerName) {
  const made = program.invoke(constructor, []);
  if (made?.k !== "struct") return { gap: `constructor not evaluated (${made?.why ?? made?.k})` };
  const type = made.type.replace(/^\*/, "").split(".").at(-1);
  const pkg = made.pkg;
  const metaResp = paramStruct();
  callMethod(program, pkg, type, "Metadata", [{ k: "nil" }, paramStruct({ ProviderTypeName: { k: "str", v: providerName } }), metaResp]);
  const name = metaResp.fields.get("TypeName");
  if (name?.k !== "str") return { gap: `${type}: type name not evaluated` };
  const schemaResp = paramStruct();
  callMethod(program, pkg, type, "Schema", [{ k: "nil" }, paramStruct(), schemaResp]);
  const body = frameworkBody(schemaResp.fields.get("Schema"), name.v);
  if (!body) return { name: name.v, gap: "schema not evaluated" };
  const modifyPlan = pkg.methods.get(`${type}.ModifyPlan`);
  if (modifyPlan) for (const path of conditionalReplacements(modifyPlan.decl.body, modifyPlan.file, program)) markConditional(body, path);
  if (body.timeoutsBlock) {
    delete body.timeoutsBlock;
  } else body.timeouts = [];
  return { name: name.v, body };
}

/** Remembers, on each SDK resource struct, the CustomizeDiff expression it was built from. */
function tagCustomizeDiff(program) {
  const original = program.composite.bind(program);
  program.composite = (x, env, contextType) => {
    const value = original(x, env, contextType);
    if (value.k === "struct" && value.type.endsWith("Resource")) {
      const elt = x.elts.find((e) => e.key?.kind === "ident" && e.key.name === "CustomizeDiff");
      if (elt) {
        value.customizeDiffNode = elt.value;
        value.customizeDiffFile = env.file;
      }
    }
    return value;
  };
}

function sdkProviderMaps(program, file, providerName) {
  const env = program.envFor(file);
  const result = { resources: new Map(), dataSources: new Map(), providerSchema: undefined };
  for (const [key, target] of [["ResourcesMap", result.resources], ["DataSourcesMap", result.dataSources]]) {
    for (const node of findKeyed(file.ast.funcs, key)) {
      if (node.kind !== "composite") continue;
      for (const elt of node.elts) {
        const name = elt.key?.kind === "lit" ? elt.key.value : undefined;
        if (!name) continue;
        target.set(name, () => program.eval(elt.value, env));
      }
    }
  }
  const providerComposite = findKeyed(file.ast.funcs, "ResourcesMap").length > 0 ? findKeyed(file.ast.funcs, "Schema")[0] : undefined;
  if (providerComposite) result.providerSchema = program.eval(providerComposite, env);
  void providerName;
  return result;
}

/** The provider block's arguments and blocks (names and counts; `id` is not a provider argument). */
function providerBlockOf(schema, program, name) {
  const body = sdkBody(schema, program, `provider ${name}`);
  if (!body) return undefined;
  delete body.attributes.id;
  const blocks = Object.fromEntries(Object.entries(body.blocks).map(([block, s]) => [block, { min: s.min, ...(s.max ? { max: s.max } : {}) }]));
  return { complete: !body.open, attributes: Object.keys(body.attributes).sort(), blocks, removed: {} };
}

function extract(name) {
  const spec = PROVIDERS[name];
  const gitDir = options[`git-${name}`] ?? resolve(options.mirror, `${spec.repository.replace("/", "+")}/repo`);
  const started = Date.now();
  const { commit, files } = readGoFiles(gitDir, spec.tag, spec.roots);
  const program = new GoProgram(files, spec.modules, INTRINSICS);
  tagCustomizeDiff(program);
  const fileOf = (resource) => resource.customizeDiffFile;
  const resources = {};
  const dataSources = {};
  const allResources = new Set();
  const allDataSources = new Set();
  const notTabled = [];
  let providerBlock;

  const addSdk = (target, all, typeName, thunk, covered = true) => {
    all.add(typeName);
    if (!covered) return;
    const table = sdkResourceTable(thunk(), program, typeName, fileOf);
    if (table.body) target[typeName] = table.body;
    else notTabled.push(`${typeName}: ${table.gap}`);
  };

  if (name === "scaleway" || name === "openstack") {
    const providerFile = [...program.packages.values()].flatMap((pkg) => pkg.files).find((file) => file.path === (name === "scaleway" ? "provider/sdkv2.go" : "openstack/provider.go"));
    const maps = sdkProviderMaps(program, providerFile, name);
    for (const [typeName, thunk] of maps.resources) addSdk(resources, allResources, typeName, thunk);
    for (const [typeName, thunk] of maps.dataSources) addSdk(dataSources, allDataSources, typeName, thunk);
    providerBlock = providerBlockOf(maps.providerSchema, program, name);
  }
  if (name === "scaleway") {
    const framework = program.packages.get("provider");
    for (const [method, target, all] of [["Resources", resources, allResources], ["DataSources", dataSources, allDataSources]]) {
      const list = callMethod(program, framework, "ScalewayProvider", method, [{ k: "nil" }]);
      for (const constructor of list?.k === "list" ? list.items : []) {
        if (constructor.k !== "func") continue;
        const table = frameworkTable(program, constructor, "scaleway");
        if (table.name) all.add(table.name);
        if (table.body) target[table.name] = table.body;
        else notTabled.push(`${table.name ?? constructor.name}: ${table.gap}`);
      }
    }
  }
  if (name === "azurerm") {
    const file = program.packages.get("internal/provider").files.find((f) => f.path === "internal/provider/provider.go");
    const azureProvider = file.ast.funcs.find((fn) => fn.name === "azureProvider");
    const schema = findKeyed(azureProvider.body, "Schema")[0];
    providerBlock = providerBlockOf(program.eval(schema, program.envFor(file, new Map([["supportLegacyTestSuite", { k: "bool", v: false }]]))), program, name);
    for (const pkg of [...program.packages.values()].filter((p) => /^internal\/services\/[^/]+$/.test(p.dir)).sort((a, b) => (a.dir < b.dir ? -1 : 1))) {
      const covered = AZURE_SERVICES.includes(pkg.dir.split("/").at(-1));
      for (const [method, target, all] of [["SupportedResources", resources, allResources], ["SupportedDataSources", dataSources, allDataSources]]) {
        const map = callMethod(program, pkg, "Registration", method);
        for (const [typeName, value] of map?.k === "map" ? map.entries : []) addSdk(target, all, typeName, () => value, covered);
      }
      for (const [method, target, all] of [["Resources", resources, allResources], ["DataSources", dataSources, allDataSources]]) {
        const types = new Set();
        for (const recv of ["Registration", "autoRegistration"]) {
          const entry = pkg.methods.get(`${recv}.${method}`);
          for (const node of findComposites(entry?.decl.body)) if (node.type && !node.type.includes(".") && !node.type.startsWith("[")) types.add(node.type);
        }
        for (const type of [...types].sort()) {
          const typeName = callMethod(program, pkg, type, "ResourceType");
          if (typeName?.k !== "str") {
            notTabled.push(`${pkg.dir} ${type}: type name not evaluated`);
            continue;
          }
          all.add(typeName.v);
          if (!covered) continue;
          const args = callMethod(program, pkg, type, "Arguments");
          const attrs = callMethod(program, pkg, type, "Attributes");
          const body = sdkBody(args, program, typeName.v);
          const computed = attrs?.k === "map" ? sdkBody(attrs, program, `${typeName.v} (attributes)`) : undefined;
          if (!body) {
            notTabled.push(`${typeName.v}: arguments not evaluated`);
            continue;
          }
          for (const [attr, schema] of Object.entries(computed?.attributes ?? {})) body.attributes[attr] ??= { ...schema, kind: "computed" };
          const isResource = method === "Resources";
          if (isResource) {
            body.timeouts = ["create", "read", "delete", ...(pkg.methods.has(`${type}.Update`) ? ["update"] : [])];
            const customize = pkg.methods.get(`${type}.CustomizeDiff`);
            if (customize) for (const path of conditionalReplacements(customize.decl.body, customize.file, program)) markConditional(body, path);
          } else body.timeouts = ["read"];
          if (pkg.methods.has(`${type}.DeprecationMessage`)) body.deprecated = true;
          target[typeName.v] = body;
        }
      }
    }
  }

  const curated = CURATED[name];
  const version = spec.tag.replace(/^v/, "");
  applyCurated(name, curated, resources, allResources);
  const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  const document = {
    $comment: "Generated by scripts/extract-provider-schemas.mjs from the provider's Go source at the tag below; do not edit by hand.",
    provider: name,
    source: spec.source,
    versionConstraint: spec.versionConstraint,
    version,
    upstream: { repository: spec.repository, tag: spec.tag, commit, licence: "MPL-2.0" },
    resourcePrefix: `${name}_`,
    providerBlock: providerBlock && { ...providerBlock, removed: curated.providerRemoved ?? {} },
    removedResources: curated.removedResources,
    resourceTypes: [...allResources].sort(),
    dataSourceTypes: [...allDataSources].sort(),
    resources: sorted(resources),
    dataSources: sorted(dataSources),
  };
  mkdirSync(options.out, { recursive: true });
  const json = JSON.stringify(document) + "\n";
  writeFileSync(resolve(options.out, `${name}.json`), json);
  console.log(
    `${name} ${version} (${commit.slice(0, 12)}): ${allResources.size} resources (${Object.keys(resources).length} tabled), ` +
      `${allDataSources.size} data sources (${Object.keys(dataSources).length} tabled), ${(json.length / 1024).toFixed(0)} KiB, ${Date.now() - started} ms`,
  );
  if (notTabled.length > 0) console.log(`  not tabled (${notTabled.length}):\n    ${notTabled.join("\n    ")}`);
  if (options.verbose && program.unresolved.length > 0) console.log(`  conditions not evaluated (${program.unresolved.length}):\n    ${[...new Set(program.unresolved)].join("\n    ")}`);
}

function findComposites(node, out = []) {
  if (!node || typeof node !== "object") return out;
  if (Array.isArray(node)) {
    for (const item of node) findComposites(item, out);
    return out;
  }
  if (node.kind === "composite") out.push(node);
  for (const [key, value] of Object.entries(node)) if (key !== "line" && typeof value === "object") findComposites(value, out);
  return out;
}

function applyCurated(name, curated, resources, allResources) {
  for (const type of Object.keys(curated.removedResources)) {
    if (allResources.has(type)) throw new Error(`${type} is listed as removed but the provider still has it`);
  }
  for (const [type, removed] of Object.entries(curated.removedArguments)) {
    const schema = resources[type];
    if (!schema) throw new Error(`removed arguments for ${type}, which has no table`);
    for (const [path, info] of Object.entries(removed)) {
      const segments = path.split(".");
      let parent = schema;
      for (const segment of segments.slice(0, -1)) parent = parent?.blocks[segment]?.schema;
      if (!parent) {
        console.log(`  curated: ${type}.${path} is listed as removed, but ${segments.slice(0, -1).join(".")} is not a block in the source; not recorded`);
        continue;
      }
      const leaf = segments.at(-1);
      if (parent.attributes[leaf] || parent.blocks[leaf]) throw new Error(`${type}.${path} is listed as removed but the provider still has it`);
      parent.removed ??= {};
      parent.removed[leaf] = info;
    }
  }
  for (const [type, constraints] of Object.entries(curated.constraints ?? {})) {
    const schema = resources[type];
    if (!schema) throw new Error(`constraints for ${type}, which has no table`);
    schema.constraints = [...(schema.constraints ?? []), ...constraints];
  }
  void name;
}

for (const name of Object.keys(PROVIDERS)) {
  if (options.only && options.only !== name) continue;
  gaps.length = 0;
  extract(name);
  if (gaps.length > 0) {
    console.log(`  gaps (${gaps.length})${options.verbose ? ":\n    " + gaps.join("\n    ") : "; --verbose lists them"}`);
  }
}
void clone;
