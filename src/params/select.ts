import type { Schema } from "./set-flags.js";

/**
 * Parameter selectors, as blueprint.yaml writes them to point rules and derived values at parameters: a dotted path
 * where `[]` stands for every item of a list and `[?field]` for every item whose `field` is truthy. `gpuPool` is one
 * value, `pools[]` each pool, `nodeGroups[].gpu` the `gpu` field of each node group, `nodeGroups[?gpu].name` the name
 * of each GPU node group.
 */
export type Selector = string;

/** One selected value and its concrete path, as messages name it (`pools[1]`, `nodeGroups[0].gpu`). */
export interface Selected {
  path: string;
  value: unknown;
}

const SEGMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[\]|\[\?([A-Za-z_][A-Za-z0-9_]*)\])?$/;

function segmentsOf(selector: Selector): Array<{ key: string; each: boolean; where?: string }> {
  return selector.split(".").map((segment) => {
    const match = SEGMENT.exec(segment);
    if (!match) throw new Error(`"${selector}" is not a parameter selector (dotted names, with [] for every item of a list and [?field] for the items whose field is true, e.g. pools[] or nodeGroups[?gpu].name)`);
    return { key: match[1]!, each: match[2] !== undefined, ...(match[3] ? { where: match[3] } : {}) };
  });
}

/** The values a selector points at in validated parameters; a missing value is left out. */
export function selectParams(params: Record<string, unknown>, selector: Selector): Selected[] {
  let current: Selected[] = [{ path: "", value: params }];
  for (const { key, each, where } of segmentsOf(selector)) {
    const next: Selected[] = [];
    for (const { path, value } of current) {
      if (!value || typeof value !== "object" || !Object.hasOwn(value, key)) continue;
      const child = (value as Record<string, unknown>)[key];
      const childPath = path ? `${path}.${key}` : key;
      if (!each) next.push({ path: childPath, value: child });
      else if (Array.isArray(child)) {
        child.forEach((item, i) => {
          if (where === undefined || (item && typeof item === "object" && Boolean((item as Record<string, unknown>)[where]))) next.push({ path: `${childPath}[${i}]`, value: item });
        });
      }
    }
    current = next;
  }
  return current;
}

/** Why a selector does not fit a parameters schema (an unknown name, `[]` on something that is not a list), or undefined. */
export function selectorProblem(schema: Schema, selector: Selector): string | undefined {
  let segments;
  try {
    segments = segmentsOf(selector);
  } catch (error) {
    return (error as Error).message;
  }
  let current: Schema | undefined = schema;
  let path = "";
  for (const { key, each, where } of segments) {
    path = path ? `${path}.${key}` : key;
    current = current?.properties?.[key];
    if (!current) return `"${selector}": ${path} is not a parameter of this blueprint (see params.schema.json)`;
    if (each) {
      if (current.type !== "array") return `"${selector}": ${path} is not a list, so ${path}[] selects nothing`;
      current = current.items;
      if (where !== undefined && !current?.properties?.[where]) return `"${selector}": ${path}[] items have no field ${where} (see params.schema.json)`;
      path = `${path}[]`;
    }
  }
  return undefined;
}
