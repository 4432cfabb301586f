import { listBlueprints } from "../../blueprints/registry.js";
import { loadBlueprint } from "../../blueprints/load.js";
import { UsageError } from "../../errors.js";
import { commandHelp, parseCommand } from "../args.js";
import { blueprintsCommand } from "../flags.js";
import type { CliIo } from "../io.js";

interface ParamRow {
  name: string;
  type: string;
  default: unknown;
  description: string;
}

/** Flattens the schema into one row per leaf parameter (dotted names), in schema order. */
function paramRows(schema: any, prefix = ""): ParamRow[] {
  return Object.entries<any>(schema.properties ?? {}).flatMap(([key, sub]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (sub.type === "object" && sub.properties) return paramRows(sub, name);
    if (sub.type === "array" && sub.items?.type === "object") {
      return [{ name: `${name}[]`, type: "list", default: sub.default, description: sub.description ?? "" }, ...paramRows(sub.items, `${name}[]`)];
    }
    const type = sub.enum ? sub.enum.join("|") : Array.isArray(sub.type) ? sub.type.join("|") : (sub.type ?? "any");
    return [{ name, type, default: sub.default, description: sub.description ?? "" }];
  });
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(blueprintsCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(blueprintsCommand));
    return 0;
  }
  if (positionals.length === 0) {
    const blueprints = listBlueprints();
    if (opts.json) io.stdout.write(`${JSON.stringify(blueprints, null, 2)}\n`);
    else {
      const width = Math.max(...blueprints.map((b) => b.id.length));
      io.stdout.write(blueprints.map((b) => `${b.id.padEnd(width)}  ${b.description}`).join("\n") + "\n");
    }
    return 0;
  }
  if (positionals[0] !== "show" || positionals.length !== 2) {
    throw new UsageError("expected `blueprints` or `blueprints show <name>`");
  }
  const blueprint = loadBlueprint(positionals[1]!);
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(blueprint.paramsSchema, null, 2)}\n`);
    return 0;
  }
  const rows = paramRows(blueprint.paramsSchema);
  const show = (value: unknown) => (value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value));
  const widths = [Math.max(9, ...rows.map((r) => r.name.length)), Math.max(4, ...rows.map((r) => r.type.length)), Math.max(7, ...rows.map((r) => show(r.default).length))];
  const line = (cells: string[]) => cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  ").trimEnd();
  io.stdout.write(
    `${blueprint.id} ${blueprint.version} — ${blueprint.title}\n${blueprint.description}\n\n` +
      [line(["parameter", "type", "default", "description"]), ...rows.map((r) => line([r.name, r.type, show(r.default), r.description]))].join("\n") +
      "\n",
  );
  return 0;
}
