import { listBlueprints } from "../../blueprints/registry.js";
import { loadBlueprint } from "../../blueprints/load.js";
import { UsageError } from "../../errors.js";
import { commandHelp, parseCommand } from "../args.js";
import { blueprintsCommand } from "../flags.js";
import type { CliIo } from "../io.js";
import { paramRows, showValue, table } from "./param-rows.js";

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
  io.stdout.write(
    `${blueprint.id} ${blueprint.version} — ${blueprint.title}\n${blueprint.description}\n\n` +
      table(["parameter", "type", "default", "description"], rows.map((r) => [r.name, r.type, showValue(r.default), r.description])),
  );
  return 0;
}
