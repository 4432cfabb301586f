/**
 * Checks a resource/data block's body against a provider argument table: unknown, missing, computed-only and
 * removed arguments, block counts and exactly/at-least-one-of rules, recursively into nested blocks.
 */
import type { Problem } from "../types.js";
import type { HclBlock, HclBody } from "./hcl-scan.js";
import type { BodySchema, Constraint } from "./provider-tables.js";
import { closest } from "./suggest.js";

/** Meta-arguments Terraform accepts on every resource and data block. */
const META_ATTRIBUTES = new Set(["count", "for_each", "depends_on", "provider"]);
const META_BLOCKS = new Set(["lifecycle", "provisioner", "connection", "dynamic", "timeouts"]);

interface Context {
  file: string;
  resource: string;
  problems: Problem[];
}

/** Checks the body of `resource "type" "name" { ... }` (or `data`) against its table entry. */
export function checkBlockAgainstSchema(block: HclBlock, schema: BodySchema, file: string, resource: string): Problem[] {
  const context: Context = { file, resource, problems: [] };
  checkBody(block.body, schema, [], block.line, true, context);
  for (const constraint of schema.constraints ?? []) checkConstraint(block.body, constraint, block.line, context);
  return context.problems;
}

function report(context: Context, rule: string, line: number, path: string[], message: string, severity: Problem["severity"] = "error"): void {
  context.problems.push({ file: context.file, line, resource: context.resource, rule, path: path.join("."), message, severity });
}

function checkBody(body: HclBody, schema: BodySchema, path: string[], line: number, topLevel: boolean, context: Context): void {
  const where = path.length > 0 ? `block ${path.join(".")}` : context.resource;
  const present = new Set<string>();

  for (const attribute of body.attributes) {
    const attrPath = [...path, attribute.name];
    if (topLevel && META_ATTRIBUTES.has(attribute.name)) continue;
    present.add(attribute.name);
    const known = schema.attributes[attribute.name];
    if (known?.kind === "computed") {
      report(context, "tf-computed-attribute", attribute.line, attrPath, `${attrPath.join(".")} is computed by the provider (read-only) and cannot be set in ${where}`);
    } else if (known) {
      if (known.deprecated) report(context, "tf-deprecated", attribute.line, attrPath, `${attrPath.join(".")} is deprecated in ${where}; the provider will remove it in a later major`, "warning");
      continue;
    } else if (schema.blocks[attribute.name]?.attributeSyntax) {
      continue; // a block the provider also accepts as `name = [{ ... }]`
    } else if (schema.blocks[attribute.name]) {
      report(context, "tf-unknown-argument", attribute.line, attrPath, `${attrPath.join(".")} is a nested block, not an argument: write ${attribute.name} { ... }`);
    } else {
      reportUnknownOrRemoved(attribute.name, attribute.line, attrPath, schema, where, context);
    }
  }

  const counts = new Map<string, HclBlock[]>();
  for (const nested of body.blocks) {
    if (nested.type === "dynamic") {
      checkDynamic(nested, schema, path, present, context);
      continue;
    }
    if (nested.type === "timeouts" && topLevel) {
      checkTimeouts(nested, schema, path, context);
      continue;
    }
    if (topLevel && META_BLOCKS.has(nested.type)) continue;
    const blockPath = [...path, nested.type];
    const known = schema.blocks[nested.type];
    if (!known) {
      if (schema.attributes[nested.type]) {
        report(context, "tf-unknown-argument", nested.line, blockPath, `${blockPath.join(".")} is an argument, not a block: write ${nested.type} = ...`);
      } else {
        reportUnknownOrRemoved(nested.type, nested.line, blockPath, schema, where, context);
      }
      continue;
    }
    present.add(nested.type);
    if (known.deprecated) report(context, "tf-deprecated", nested.line, blockPath, `block ${blockPath.join(".")} is deprecated in ${where}; the provider will remove it in a later major`, "warning");
    const list = counts.get(nested.type) ?? [];
    list.push(nested);
    counts.set(nested.type, list);
    checkBody(nested.body, known.schema, blockPath, nested.line, false, context);
  }

  for (const [name, instances] of counts) {
    const max = schema.blocks[name]?.max;
    if (max !== undefined && instances.length > max) {
      const extra = instances[max]!;
      report(context, "tf-too-many-blocks", extra.line, [...path, name], `${[...path, name].join(".")} may appear at most ${max} time${max === 1 ? "" : "s"} in ${where}, found ${instances.length}`);
    }
  }

  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (attribute.kind !== "required" || attribute.unresolved || present.has(name)) continue;
    const fullPath = [...path, name];
    if (attribute.envDefault) {
      report(context, "tf-missing-required", line, fullPath, `${fullPath.join(".")} is required in ${where} (the provider falls back to $${attribute.envDefault} when it is unset)`, "warning");
    } else {
      report(context, "tf-missing-required", line, fullPath, `${fullPath.join(".")} is required in ${where}`);
    }
  }
  for (const [name, block] of Object.entries(schema.blocks)) {
    // Required is the provider's flag: an Optional block with MinItems 1 (openstack_compute_instance_v2's
    // vendor_options, azurerm_lb's frontend_ip_configuration) may be left out; MinItems counts only when it is written.
    if (!block.required || present.has(name)) continue;
    const fullPath = [...path, name];
    report(context, "tf-missing-required", line, fullPath, `block ${fullPath.join(".")} { ... } is required in ${where}`);
  }
}

function reportUnknownOrRemoved(name: string, line: number, path: string[], schema: BodySchema, where: string, context: Context): void {
  const removed = schema.removed?.[name];
  if (removed) {
    report(context, "tf-removed", line, path, `${path.join(".")} was removed from ${where} in provider ${removed.since}: ${removed.hint}`);
    return;
  }
  if (schema.open) return; // the table could not list every name of this body
  const candidates = [
    ...Object.entries(schema.attributes)
      .filter(([, attribute]) => attribute.kind !== "computed")
      .map(([candidate]) => candidate),
    ...Object.keys(schema.blocks),
  ];
  const suggestion = closest(name, candidates);
  const hint = suggestion ? `; did you mean ${suggestion}?` : "";
  report(context, "tf-unknown-argument", line, path, `${path.join(".")} is not an argument or block of ${where}${hint}`);
}

/** `dynamic "x" { for_each = ...; content { ... } }` stands for blocks `x`: check `content` against x's schema. */
function checkDynamic(dynamic: HclBlock, schema: BodySchema, path: string[], present: Set<string>, context: Context): void {
  const name = dynamic.labels[0] ?? "";
  const blockPath = [...path, name];
  const known = schema.blocks[name];
  if (!known) {
    reportUnknownOrRemoved(name, dynamic.line, blockPath, schema, path.length > 0 ? `block ${path.join(".")}` : context.resource, context);
    return;
  }
  present.add(name);
  for (const content of dynamic.body.blocks) {
    if (content.type === "content") checkBody(content.body, known.schema, blockPath, content.line, false, context);
  }
}

function checkTimeouts(block: HclBlock, schema: BodySchema, path: string[], context: Context): void {
  if (schema.timeouts === undefined) return;
  const blockPath = [...path, "timeouts"];
  if (schema.timeouts.length === 0) {
    report(context, "tf-unknown-argument", block.line, blockPath, `${context.resource} does not support a timeouts block`);
    return;
  }
  for (const attribute of block.body.attributes) {
    if (schema.timeouts.includes(attribute.name)) continue;
    const suggestion = closest(attribute.name, schema.timeouts);
    report(
      context,
      "tf-unknown-argument",
      attribute.line,
      [...blockPath, attribute.name],
      `timeouts.${attribute.name} is not supported by ${context.resource} (accepted: ${schema.timeouts.join(", ")})${suggestion ? `; did you mean ${suggestion}?` : ""}`,
    );
  }
}

/**
 * Lines of the names set in a body: attributes, static blocks and dynamic blocks (first occurrence). With
 * `definite`, attributes whose value may be null at plan time (`x = var.a ? null : "b"`) are left out: Terraform
 * treats a null argument as unset, so they cannot make a conflict. So are dynamic blocks, whose `for_each` may be
 * empty (`identity` and `service_principal` written as two dynamic blocks with opposite conditions is one of them).
 */
function namesIn(body: HclBody, definite = false): Map<string, number> {
  const names = new Map<string, number>();
  for (const attribute of body.attributes) {
    if (definite && /\bnull\b|\bvar\.|\blocal\./.test(attribute.expr)) continue;
    if (!names.has(attribute.name)) names.set(attribute.name, attribute.line);
  }
  for (const block of body.blocks) {
    if (definite && block.type === "dynamic") continue;
    const name = block.type === "dynamic" ? (block.labels[0] ?? "") : block.type;
    if (!names.has(name)) names.set(name, block.line);
  }
  return names;
}

/** Bodies of the blocks at a dotted path (the root body for an empty path), with their lines. */
function bodiesAt(body: HclBody, path: string[], line: number): { body: HclBody; line: number }[] {
  let current = [{ body, line }];
  for (const segment of path) {
    current = current.flatMap(({ body: parent }) =>
      parent.blocks.filter((block) => block.type === segment).map((block) => ({ body: block.body, line: block.line })),
    );
  }
  return current;
}

function checkConstraint(body: HclBody, constraint: Constraint, line: number, context: Context): void {
  const names = constraint.exactlyOneOf ?? constraint.atLeastOneOf ?? constraint.conflictsWith ?? [];
  if (names.length === 0) return;
  const prefix = names[0]!.split(".").slice(0, -1);
  const leaves = names.map((name) => name.split(".").at(-1)!);
  for (const target of bodiesAt(body, prefix, line)) {
    const set = namesIn(target.body);
    const found = leaves.filter((leaf) => set.has(leaf));
    const definite = namesIn(target.body, true);
    const definitelyFound = leaves.filter((leaf) => definite.has(leaf));
    const where = prefix.length > 0 ? `block ${prefix.join(".")}` : context.resource;
    if (constraint.exactlyOneOf && found.length === 0) {
      report(context, "tf-exactly-one-of", target.line, prefix, `exactly one of ${leaves.join(", ")} must be set in ${where}, found none`);
    } else if (constraint.exactlyOneOf && definitelyFound.length > 1) {
      const second = definitelyFound[1]!;
      report(context, "tf-exactly-one-of", set.get(second)!, [...prefix, second], `only one of ${leaves.join(", ")} may be set in ${where}, found ${definitelyFound.join(" and ")}`);
    }
    if (constraint.conflictsWith && definite.has(leaves[0]!)) {
      const clash = leaves.slice(1).find((leaf) => definite.has(leaf));
      // reported at the second of the two in the file
      const [later, line] = set.get(clash ?? "")! > set.get(leaves[0]!)! ? [clash, set.get(clash ?? "")!] : [leaves[0]!, set.get(leaves[0]!)!];
      if (clash) report(context, "tf-conflicts-with", line, [...prefix, later!], `${leaves[0]} and ${clash} cannot both be set in ${where}`);
    }
    if (constraint.atLeastOneOf && found.length === 0) {
      report(context, "tf-at-least-one-of", target.line, prefix, `at least one of ${leaves.join(", ")} must be set in ${where} (an empty block fails validation)`);
    }
  }
}
