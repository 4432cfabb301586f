/**
 * The two small forms blueprint.yaml (and the add-on catalog) use to make data depend on the render context, so that
 * no template computes them:
 *
 * - a condition, `params.x.enabled` (a truthy context path) or `params.gpuStack=gpu-operator` (string equality), as
 *   `when:` of a pack, an add-on or an item of a list;
 * - a reference, `{ from: derived.gpuNodeGroups }`, an object that stands for the context value at that path.
 *
 * {@link resolveData} applies both to a piece of data: list items whose `when` does not hold are dropped (the key
 * itself is removed from those that stay) and references are replaced by their values.
 */

export function lookup(context: object, dotted: string): unknown {
  return dotted.split(".").reduce<any>((value, key) => (value == null || !Object.hasOwn(Object(value), key) ? undefined : value[key]), context);
}

/** `params.x.enabled` (truthy) or `params.gpuStack=gpu-operator` (string equality). */
export function conditionHolds(context: object, condition: string): boolean {
  const eq = condition.indexOf("=");
  if (eq < 0) return Boolean(lookup(context, condition.trim()));
  return String(lookup(context, condition.slice(0, eq).trim())) === condition.slice(eq + 1).trim();
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** `{ from: <path> }` and nothing else. */
const isReference = (value: unknown): value is { from: string } => isObject(value) && Object.keys(value).length === 1 && typeof value.from === "string";

/** The data with its conditions applied and references replaced, as a new value (the input is not changed). */
export function resolveData(data: unknown, context: object): unknown {
  if (isReference(data)) return structuredClone(lookup(context, data.from));
  if (Array.isArray(data)) {
    return data
      .filter((item) => !isObject(item) || typeof item.when !== "string" || conditionHolds(context, item.when))
      .map((item) => {
        if (!isObject(item) || !("when" in item)) return resolveData(item, context);
        const { when: _when, ...rest } = item;
        return resolveData(rest, context);
      });
  }
  if (isObject(data)) return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, resolveData(value, context)]));
  return data;
}

/** The context paths a piece of data reads (conditions and references), for the loader to check they exist. */
export function pathsReadBy(data: unknown): string[] {
  if (isReference(data)) return [data.from];
  if (Array.isArray(data)) return data.flatMap(pathsReadBy);
  if (!isObject(data)) return [];
  const own = typeof data.when === "string" ? [data.when.split("=")[0]!.trim()] : [];
  return [...own, ...Object.entries(data).filter(([key]) => key !== "when").flatMap(([, value]) => pathsReadBy(value))];
}
