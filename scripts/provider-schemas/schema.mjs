// Turns evaluated schema values (terraform-plugin-sdk v2 `schema.Schema` maps, azurerm's `pluginsdk` aliases of
// them, and terraform-plugin-framework attribute/block structs) into the table format the validator reads:
// { attributes, blocks, timeouts?, constraints? }, keeping types, Required/Optional/Computed, ForceNew, MaxItems,
// MinItems, defaults of scalar type, deprecation (as a flag, never its text) and cross-argument rules.

const SDK_TYPES = { TypeString: "string", TypeInt: "number", TypeFloat: "number", TypeBool: "bool", TypeList: "list", TypeSet: "set", TypeMap: "map" };

const bool = (value) => value?.k === "bool" && value.v;
const symName = (value) => (value?.k === "sym" ? value.name.split(".").at(-1) : undefined);
const shortType = (struct) => struct.type.replace(/^\*/, "").split(".").at(-1);
const strings = (value) => (value?.k === "list" ? value.items.filter((item) => item.k === "str").map((item) => item.v) : []);

/** Stats of what could not be read, for the extraction report. */
export const gaps = [];

function gap(where, what) {
  gaps.push(`${where}: ${what}`);
}

function isSdkSchema(value) {
  return value?.k === "struct" && shortType(value) === "Schema" && !value.fields.has("Attributes");
}

function isSdkResource(value) {
  return value?.k === "struct" && shortType(value) === "Resource";
}

/** The field map of an SDK resource: `Schema` or `SchemaFunc()`. */
export function sdkResourceSchema(resource, program) {
  const direct = resource.fields.get("Schema");
  if (direct) return direct;
  const fn = resource.fields.get("SchemaFunc");
  if (fn?.k === "func") return program.invoke(fn, []);
  return undefined;
}

function sdkElementType(schema) {
  const type = SDK_TYPES[symName(schema.fields.get("Type"))] ?? "any";
  if (type === "list" || type === "set" || type === "map") {
    const elem = schema.fields.get("Elem");
    if (isSdkSchema(elem)) return `${type}(${sdkElementType(elem)})`;
    if (isSdkResource(elem)) return `${type}(object)`;
    return `${type}(${type === "map" ? "string" : "any"})`;
  }
  return type;
}

/** SDK paths `a.0.b` -> `a.b`. */
const dotted = (path) => path.split(".").filter((segment) => !/^\d+$/.test(segment) && segment !== "#" && segment !== "%").join(".");

function collectConstraint(constraints, kind, names, prefix) {
  const full = [...new Set(names.map(dotted))];
  // the validator checks rules inside one block: keep the ones whose names share the block
  const parents = new Set(full.map((name) => name.split(".").slice(0, -1).join(".")));
  if (parents.size !== 1 || [...parents][0] !== prefix.join(".")) return;
  if (full.length < 2) return;
  // ConflictsWith on `a` naming b and c forbids a+b and a+c (b and c may go together): kept as sorted pairs
  const rules = kind === "conflictsWith" ? full.slice(1).map((other) => [full[0], other].sort()) : [[...full].sort()];
  for (const names of rules) {
    const key = `${kind}:${names.join(",")}`;
    if (!constraints.some((c) => c.key === key)) constraints.push({ key, [kind]: names });
  }
}

/** Body of an SDK `map[string]*schema.Schema`. `where` names it in the gap report. */
export function sdkBody(map, program, where, path = [], constraints = []) {
  const body = { attributes: {}, blocks: {} };
  if (map?.k !== "map") {
    gap(where, `schema map not evaluated (${map?.why ?? map?.k})`);
    return undefined;
  }
  for (const [name, schema] of map.entries) {
    if (name.startsWith("<unknown key")) {
      gap(where, "a schema key is not a constant");
      body.open = true;
      continue;
    }
    if (!isSdkSchema(schema)) {
      gap(`${where}.${name}`, `not evaluated (${schema?.why ?? schema?.k})`);
      body.attributes[name] = { kind: "optional", type: "any", unresolved: true };
      continue;
    }
    const f = schema.fields;
    const required = bool(f.get("Required"));
    const optional = bool(f.get("Optional"));
    const computed = bool(f.get("Computed"));
    const forceNew = bool(f.get("ForceNew"));
    const deprecated = f.has("Deprecated") && f.get("Deprecated")?.k !== "nil" && !(f.get("Deprecated")?.k === "str" && f.get("Deprecated").v === "");
    const sdkType = SDK_TYPES[symName(f.get("Type"))];
    const elem = f.get("Elem");
    const configModeAttr = symName(f.get("ConfigMode")) === "SchemaConfigModeAttr";
    for (const [field, kind] of [["ExactlyOneOf", "exactlyOneOf"], ["AtLeastOneOf", "atLeastOneOf"], ["ConflictsWith", "conflictsWith"]]) {
      const names = strings(f.get(field));
      if (names.length === 0) continue;
      const own = [...path, name].join(".");
      // The SDK counts the attribute itself in its ExactlyOneOf/AtLeastOneOf (validateExactlyOneAttribute appends
      // k), so a list that leaves it out still means "one of these and me".
      collectConstraint(constraints, kind, [own, ...names], path);
    }
    // SchemaConfigModeAttr: written as a block or as `name = [{ ... }]`; kept as a block that may also be an attribute
    if ((sdkType === "list" || sdkType === "set") && isSdkResource(elem) && !(computed && !optional && !required)) {
      const nested = sdkBody(sdkResourceSchema(elem, program), program, `${where}.${name}`, [...path, name], constraints);
      const min = f.get("MinItems")?.k === "num" ? f.get("MinItems").v : 0;
      const block = { required, min: required ? Math.max(min, 1) : min, nesting: sdkType };
      if (f.get("MaxItems")?.k === "num" && f.get("MaxItems").v > 0) block.max = f.get("MaxItems").v;
      if (forceNew) block.forceNew = true;
      if (optional && computed) block.optionalComputed = true;
      if (deprecated) block.deprecated = true;
      if (configModeAttr) block.attributeSyntax = true;
      block.schema = nested ?? { attributes: {}, blocks: {}, open: true };
      body.blocks[name] = block;
      continue;
    }
    const attribute = { kind: required ? "required" : optional ? "optional" : computed ? "computed" : "optional", type: sdkElementType(schema) };
    const def = f.get("Default");
    if (def && ["str", "num", "bool"].includes(def.k)) attribute.default = def.v;
    if (forceNew) attribute.forceNew = true;
    if (optional && computed) attribute.optionalComputed = true;
    if (deprecated) attribute.deprecated = true;
    if (bool(f.get("Sensitive"))) attribute.sensitive = true;
    const defaultFunc = f.get("DefaultFunc");
    if (defaultFunc?.k === "call" && /EnvDefaultFunc$/.test(defaultFunc.name) && defaultFunc.args[0]?.kind === "lit") attribute.envDefault = defaultFunc.args[0].value;
    if (!required && !optional && !computed) gap(`${where}.${name}`, "neither Required, Optional nor Computed");
    body.attributes[name] = attribute;
  }
  if (path.length === 0) {
    // terraform-plugin-sdk adds `id` (Optional+Computed) to every resource and data source that does not declare it
    body.attributes.id ??= { kind: "optional", type: "string", optionalComputed: true };
    finishConstraints(body, constraints);
  }
  return body;
}

function finishConstraints(body, constraints) {
  const kept = constraints.map(({ key, ...rule }) => rule);
  if (kept.length > 0) body.constraints = kept;
}

/** SDK timeouts: the keys of the `Timeouts` struct that are set. */
export function sdkTimeouts(resource) {
  const timeouts = resource.fields.get("Timeouts");
  if (!timeouts || timeouts.k === "nil") return [];
  if (timeouts.k !== "struct") return undefined;
  return ["Create", "Read", "Update", "Delete", "Default"].filter((key) => timeouts.fields.has(key)).map((key) => key.toLowerCase());
}

// terraform-plugin-framework ------------------------------------------------------------------------------------

const FRAMEWORK_SCALARS = { String: "string", Bool: "bool", Int64: "number", Int32: "number", Float64: "number", Float32: "number", Number: "number", Dynamic: "any" };

function frameworkElementType(value) {
  const name = value?.k === "sym" ? value.name.split(".").at(-1) : value?.k === "struct" ? shortType(value) : undefined;
  const scalar = { StringType: "string", BoolType: "bool", Int64Type: "number", Int32Type: "number", Float64Type: "number", NumberType: "number" }[name];
  return scalar ?? "any";
}

function requiresReplace(modifiers) {
  let result;
  for (const item of modifiers?.k === "list" ? modifiers.items : []) {
    if (item.k !== "call") continue;
    const fn = item.name.split(".").at(-1);
    if (fn === "RequiresReplace") return "always";
    if (fn.startsWith("RequiresReplace")) result = "conditional";
  }
  return result;
}

function sizeAtMost(validators) {
  for (const item of validators?.k === "list" ? validators.items : []) {
    if (item.k === "call" && /SizeAtMost$/.test(item.name) && item.args[0]?.kind === "lit") return Number(item.args[0].value);
  }
  return undefined;
}

/** Body of a framework `schema.Schema` / `NestedBlockObject` / `NestedAttributeObject` struct. */
export function frameworkBody(object, where) {
  const body = { attributes: {}, blocks: {} };
  const attributes = object?.fields?.get("Attributes");
  const blocks = object?.fields?.get("Blocks");
  if (attributes && attributes.k !== "map") {
    gap(where, `framework attributes not evaluated (${attributes.why ?? attributes.k})`);
    return undefined;
  }
  for (const [name, attr] of attributes?.entries ?? []) {
    if (attr?.k !== "struct") {
      gap(`${where}.${name}`, `not evaluated (${attr?.why ?? attr?.k})`);
      body.attributes[name] = { kind: "optional", type: "any", unresolved: true };
      continue;
    }
    const f = attr.fields;
    const kindName = shortType(attr).replace(/Attribute$/, "");
    let type = FRAMEWORK_SCALARS[kindName];
    if (!type) {
      if (/^(List|Set|Map)$/.test(kindName)) type = `${kindName.toLowerCase()}(${frameworkElementType(f.get("ElementType"))})`;
      else if (/NestedAttribute$/.test(shortType(attr)) || kindName === "Object") type = /^List/.test(kindName) ? "list(object)" : /^Set/.test(kindName) ? "set(object)" : /^Map/.test(kindName) ? "map(object)" : "object";
      else type = "any";
    }
    const required = bool(f.get("Required"));
    const optional = bool(f.get("Optional"));
    const computed = bool(f.get("Computed"));
    const attribute = { kind: required ? "required" : optional ? "optional" : computed ? "computed" : "optional", type };
    const replace = requiresReplace(f.get("PlanModifiers"));
    if (replace) attribute.forceNew = replace === "always" ? true : "conditional";
    if (optional && computed) attribute.optionalComputed = true;
    if (f.has("DeprecationMessage")) attribute.deprecated = true;
    if (bool(f.get("Sensitive"))) attribute.sensitive = true;
    body.attributes[name] = attribute;
  }
  if (blocks && blocks.k !== "map") {
    gap(where, `framework blocks not evaluated (${blocks.why ?? blocks.k})`);
    body.open = true;
  }
  for (const [name, block] of blocks?.k === "map" ? blocks.entries : []) {
    if (block?.k !== "struct") {
      if (name !== "timeouts") gap(`${where}.${name}`, `block not evaluated (${block?.why ?? block?.k})`);
      else body.timeoutsBlock = true;
      continue;
    }
    const kind = shortType(block);
    const nested = kind === "SingleNestedBlock" ? block : block.fields.get("NestedObject");
    const schema = frameworkBody(nested, `${where}.${name}`) ?? { attributes: {}, blocks: {}, open: true };
    const entry = { required: false, min: 0, nesting: kind.startsWith("Set") ? "set" : "list", schema };
    const max = kind === "SingleNestedBlock" ? 1 : sizeAtMost(block.fields.get("Validators"));
    if (max !== undefined) entry.max = max;
    const replace = requiresReplace(block.fields.get("PlanModifiers"));
    if (replace) entry.forceNew = replace === "always" ? true : "conditional";
    if (block.fields.has("DeprecationMessage")) entry.deprecated = true;
    body.blocks[name] = entry;
  }
  return body;
}

// Conditional replacement ----------------------------------------------------------------------------------------

/**
 * Argument paths a CustomizeDiff (or a framework ModifyPlan) can force a replacement for: the string arguments of
 * `d.ForceNew("x")`, `ForceNewIfChange("x", ...)`, `ForceNewIf("x", ...)` and `RequiresReplace ... path.Root("x")`
 * calls in the function and in the functions of the same package it names, up to three calls deep.
 */
export function conditionalReplacements(node, file, program, depth = 0, seen = new Set()) {
  const found = new Set();
  const visit = (x, env) => {
    if (!x || typeof x !== "object") return;
    if (Array.isArray(x)) return x.forEach((item) => visit(item, env));
    if (x.kind === "call") {
      const callee = x.fn.kind === "sel" ? x.fn.name : x.fn.kind === "ident" ? x.fn.name : "";
      if (/^ForceNew(IfChange|If|IfChangeFunc)?$/.test(callee) || callee === "Root") {
        const first = x.args[0];
        if (first?.kind === "lit" && first.litKind === "string") found.add(dotted(first.value));
      }
    }
    if (x.kind === "ident" && depth < 3) {
      const target = env.pkg.funcs.get(x.name);
      if (target && !seen.has(target.decl)) {
        seen.add(target.decl);
        for (const path of conditionalReplacements(target.decl.body, target.file, program, depth + 1, seen)) found.add(path);
      }
    }
    for (const [key, value] of Object.entries(x)) if (key !== "line" && key !== "kind" && typeof value === "object") visit(value, env);
  };
  visit(node, { pkg: file.pkg });
  return found;
}

/** Marks the argument at a dotted path "conditional" ForceNew (an unconditional ForceNew stays as it is). */
export function markConditional(body, path) {
  const segments = path.split(".");
  let current = body;
  for (const segment of segments.slice(0, -1)) {
    current = current?.blocks?.[segment]?.schema;
  }
  const leaf = segments.at(-1);
  const target = current?.attributes?.[leaf] ?? current?.blocks?.[leaf];
  if (!target) return false;
  if (target.forceNew !== true) target.forceNew = "conditional";
  return true;
}
