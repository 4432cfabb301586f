#!/usr/bin/env node
/**
 * Derives, from the Go API types of a Kubernetes release (the k8s.io/api module, kubernetes/api at tag v0.X.Y for
 * Kubernetes v1.X.Y), the two facts about fields that the embedded schemas' main source (@kubernetes/client-node's
 * generated models) loses:
 *
 * - enums: a string type marked `// +enum` takes the values of the constants declared with that type. These are
 *   exactly the `enum` lists of the official OpenAPI v3 documents (api/openapi-spec/v3/*.json), which the Kubernetes
 *   OpenAPI generator (k8s.io/kube-openapi, pkg/generators/enum.go) builds by the same rule: a field of an enum type
 *   (or a pointer to one) gets the values, a list or map of one gets them on its items or values.
 * - resource.Quantity fields (and maps of them such as ResourceList): client-node types them as plain strings, while
 *   the API accepts numbers as well (`cpu: 1`).
 *
 * Output (JSON): { "<OpenAPI definition name>": { "<json field>": { enum?, quantity?, items?, additionalProperties? } } },
 * e.g. "io.k8s.api.core.v1.ContainerPort": { "protocol": { "enum": ["SCTP", "TCP", "UDP"] } }.
 *
 * Run: `node scripts/derive-kubernetes-fields.mjs <k8s.io/api checkout> [--out schema-sources/kubernetes/api-fields.json]`,
 * then `npm run build:schemas`. schema-sources/README.md records the tag the committed output comes from.
 *
 * A small reader of Go declarations rather than a Go toolchain: API type files follow gofmt and a narrow set of forms
 * (type declarations, const blocks, struct fields with json tags), and the script fails loudly on an enum constant or
 * field it cannot read rather than guessing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : join(root, "schema-sources", "kubernetes", "api-fields.json");
const [apiDir] = args;
if (!apiDir || !existsSync(join(apiDir, "core", "v1", "types.go"))) {
  console.error("usage: node scripts/derive-kubernetes-fields.mjs <k8s.io/api checkout (holds core/v1/types.go)> [--out file]");
  process.exit(2);
}

const MODULE = "k8s.io/api/";
const QUANTITY_PACKAGE = "k8s.io/apimachinery/pkg/api/resource";

/** Every API package: a folder with a types.go (core/v1, apps/v1, resource/v1beta2...). */
function apiPackages(dir, prefix = "") {
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory() || entry === "testdata") continue;
    const name = prefix ? `${prefix}/${entry}` : entry;
    if (existsSync(join(path, "types.go"))) found.push(name);
    found.push(...apiPackages(path, name));
  }
  return found;
}

/** A package's declarations: named types (with their doc comments), struct fields, typed constants. */
function readPackage(path) {
  const pkg = { path, types: new Map(), structs: new Map(), constants: [], imports: new Map() };
  const folder = join(apiDir, path);
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go")).sort()) {
    const text = readFileSync(join(folder, file), "utf8");
    const imports = importsOf(text);
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const typeDecl = /^type (\w+) (=\s*)?(.+?)\s*(?:\/\/.*)?$/.exec(line);
      if (typeDecl) {
        const [, name, alias, expression] = typeDecl;
        const comments = [];
        for (let j = i - 1; j >= 0 && lines[j].startsWith("//"); j--) comments.push(lines[j]);
        if (expression === "struct {") {
          const fields = [];
          for (i++; i < lines.length && lines[i] !== "}"; i++) {
            const field = /^\t(?:(\w+)\s+)?([*\[\]\w.]+(?:\[[\w.]+\][*\w.]+)?)\s+`([^`]*)`/.exec(lines[i]);
            if (!field) continue;
            const [, fieldName, fieldType, tags] = field;
            const json = /json:"([^"]*)"/.exec(tags)?.[1];
            if (json === undefined || json.startsWith("-")) continue;
            const [jsonName, ...options] = json.split(",");
            fields.push({ name: jsonName || fieldName, type: fieldType, inline: !fieldName || options.includes("inline"), asString: options.includes("string") });
          }
          pkg.structs.set(name, { fields, imports });
        } else {
          pkg.types.set(name, { expression: expression.trim(), alias: Boolean(alias), enum: comments.some((c) => /^\/\/\s*\+enum\s*$/.test(c)), imports });
        }
        continue;
      }
      // const Name Type = value, or one line of a const ( ... ) block
      const constant = /^(?:const |\t)(\w+)\s+([\w.]+)\s*=\s*(.+?)\s*(?:\/\/.*)?$/.exec(line);
      const converted = /^(?:const |\t)(\w+)\s*=\s*([\w.]+)\((.+)\)\s*(?:\/\/.*)?$/.exec(line);
      if (constant && insideConst(lines, i)) pkg.constants.push({ name: constant[1], type: constant[2], value: constant[3], imports });
      else if (converted && insideConst(lines, i)) pkg.constants.push({ name: converted[1], type: converted[2], value: converted[3], imports });
    }
  }
  return pkg;
}

/** Whether line i is a `const X ...` line or sits in a `const (` block. */
function insideConst(lines, i) {
  if (lines[i].startsWith("const ")) return true;
  for (let j = i - 1; j >= 0; j--) {
    if (lines[j] === ")" || /^(type|var|func|import) /.test(lines[j])) return false;
    if (lines[j] === "const (") return true;
  }
  return false;
}

/** import alias -> import path, for one file. */
function importsOf(text) {
  const imports = new Map();
  const block = /^import \(([\s\S]*?)^\)/m.exec(text)?.[1] ?? /^import (.+)$/m.exec(text)?.[1] ?? "";
  for (const m of block.matchAll(/^\s*(?:(\w+)\s+)?"([^"]+)"/gm)) imports.set(m[1] ?? m[2].slice(m[2].lastIndexOf("/") + 1), m[2]);
  return imports;
}

const packages = new Map(apiPackages(apiDir).map((path) => [path, readPackage(path)]));

/** A type name as written in a package -> { pkg, name } (pkg: an API package path, or an import path outside). */
function resolveName(written, fromPackage, imports) {
  const dot = written.indexOf(".");
  if (dot < 0) return { pkg: fromPackage, name: written };
  const importPath = imports.get(written.slice(0, dot));
  if (!importPath) throw new Error(`${fromPackage}: unknown import in ${written}`);
  return { pkg: importPath.startsWith(MODULE) ? importPath.slice(MODULE.length) : importPath, name: written.slice(dot + 1) };
}

/** Follows `type X = Y` aliases to the declared type. */
function declared(ref) {
  for (let seen = 0; seen < 10; seen++) {
    const type = packages.get(ref.pkg)?.types.get(ref.name);
    if (!type?.alias) return ref;
    ref = resolveName(type.expression, ref.pkg, type.imports);
  }
  throw new Error(`alias loop at ${ref.pkg}.${ref.name}`);
}

const key = (ref) => `${ref.pkg}.${ref.name}`;

// Enum types and their values (the constants of that type, wherever declared; one value once, sorted as the
// OpenAPI generator sorts them).
const enums = new Map();
for (const pkg of packages.values()) {
  for (const [name, type] of pkg.types) {
    if (type.enum && !type.alias) {
      if (type.expression !== "string") throw new Error(`${pkg.path}.${name} is marked +enum but is not a string type`);
      enums.set(key({ pkg: pkg.path, name }), new Set());
    }
  }
}
/** A constant's string value: a literal, another constant (here or in an imported API package) or a conversion. */
function constantValue(pkgPath, constant, depth = 0) {
  const value = constant.value.trim();
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(value) ?? /^`([^`]*)`$/.exec(value);
  if (quoted) return value.startsWith("`") ? quoted[1] : JSON.parse(`"${quoted[1]}"`);
  if (/^[\w.]+$/.test(value) && depth < 5) {
    const ref = resolveName(value, pkgPath, constant.imports);
    const other = packages.get(ref.pkg)?.constants.find((c) => c.name === ref.name);
    if (other) return constantValue(ref.pkg, other, depth + 1);
  }
  throw new Error(`${pkgPath}: cannot read the value of constant ${constant.name} (${value})`);
}
for (const pkg of packages.values()) {
  for (const constant of pkg.constants) {
    const type = declared(resolveName(constant.type, pkg.path, constant.imports));
    const set = enums.get(key(type));
    if (set) set.add(constantValue(pkg.path, constant));
  }
}

/** What a field's Go type says about its JSON value, or undefined when nothing (the client-node model has the rest). */
function describe(expression, pkgPath, imports, depth = 0) {
  if (depth > 10) throw new Error(`type nesting too deep at ${expression}`);
  if (expression.startsWith("*")) return describe(expression.slice(1), pkgPath, imports, depth + 1);
  if (expression.startsWith("[]")) {
    const items = describe(expression.slice(2), pkgPath, imports, depth + 1);
    return items && { items };
  }
  const map = /^map\[[\w.]+\](.+)$/.exec(expression);
  if (map) {
    const values = describe(map[1], pkgPath, imports, depth + 1);
    return values && { additionalProperties: values };
  }
  if (!/^[\w.]+$/.test(expression)) throw new Error(`${pkgPath}: cannot read type ${expression}`);
  const ref = declared(resolveName(expression, pkgPath, imports));
  if (ref.pkg === QUANTITY_PACKAGE && ref.name === "Quantity") return { quantity: true };
  const values = enums.get(key(ref));
  if (values) return { enum: [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  // A named map or list type (ResourceList = map[ResourceName]resource.Quantity): what it is made of.
  const type = packages.get(ref.pkg)?.types.get(ref.name);
  if (type && /^(\*|\[\]|map\[)/.test(type.expression)) return describe(type.expression, ref.pkg, type.imports, depth + 1);
  return undefined;
}

/** A struct's fields with what their types say, inline (embedded) structs' fields included, as the OpenAPI has them. */
function structFields(pkgPath, name, depth = 0) {
  const struct = packages.get(pkgPath)?.structs.get(name);
  if (!struct) throw new Error(`no struct ${pkgPath}.${name}`);
  const result = {};
  for (const field of struct.fields) {
    if (field.inline) {
      const ref = declared(resolveName(field.type.replace(/^\*/, ""), pkgPath, struct.imports));
      // metav1.TypeMeta and friends: outside k8s.io/api, nothing to add
      if (packages.has(ref.pkg) && depth < 5) Object.assign(result, structFields(ref.pkg, ref.name, depth + 1));
      continue;
    }
    if (field.asString) continue; // `json:",string"` fields are strings in the OpenAPI, whatever their Go type
    const facts = describe(field.type, pkgPath, struct.imports);
    if (facts) result[field.name] = facts;
  }
  return result;
}

const definitions = {};
for (const pkg of [...packages.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
  for (const name of [...pkg.structs.keys()].sort()) {
    const fields = structFields(pkg.path, name);
    if (Object.keys(fields).length > 0) definitions[`io.k8s.api.${pkg.path.replace(/\//g, ".")}.${name}`] = fields;
  }
}

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(definitions, null, 1)}\n`);
const enumFields = JSON.stringify(definitions).match(/"enum"/g)?.length ?? 0;
console.log(`wrote ${relative(process.cwd(), out)}: ${Object.keys(definitions).length} definitions, ${enums.size} enum types, ${enumFields} enum fields`);
