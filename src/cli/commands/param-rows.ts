/** Parameter tables of `blueprints show` and `addons show`: one row per leaf parameter, aligned columns. */

export interface ParamRow {
  name: string;
  type: string;
  default: unknown;
  description: string;
}

/** Flattens the schema into one row per leaf parameter (dotted names), in schema order. */
export function paramRows(schema: any, prefix = ""): ParamRow[] {
  return Object.entries<any>(schema.properties ?? {}).flatMap(([key, sub]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (sub.type === "object" && sub.properties) return paramRows(sub, name);
    if (sub.type === "array" && sub.items?.type === "object") {
      return [{ name: `${name}[]`, type: "list", default: sub.default, description: sub.description ?? "" }, ...paramRows(sub.items, `${name}[]`)];
    }
    const type = sub.enum ? sub.enum.join("|") : Array.isArray(sub.type) ? sub.type.join("|") : (sub.type ?? "any");
    return [{ name, type, default: sub.default ?? sub["x-default"], description: sub.description ?? "" }];
  });
}

export const showValue = (value: unknown) => (value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value));

/** Rows under a header, every column but the last padded to its widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < cells.length - 1 ? cell.padEnd(widths[i]!) : cell)).join("  ").trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}
