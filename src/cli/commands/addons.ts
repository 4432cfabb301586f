import { loadCatalog } from "../../catalog/load.js";
import { listAddons, summarize } from "../../catalog/list.js";
import { InputError, UsageError } from "../../errors.js";
import { closest } from "../../_utils.js";
import { commandHelp, parseCommand } from "../args.js";
import { addonsCommand } from "../flags.js";
import type { CliIo } from "../io.js";
import { paramRows, showValue, table } from "./param-rows.js";

/** `addons`: the catalog; `addons show <name>`: one add-on's entry and the parameters it adds. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(addonsCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(addonsCommand));
    return 0;
  }
  const catalog = loadCatalog();
  if (positionals.length === 0) {
    const addons = listAddons();
    if (opts.json) io.stdout.write(`${JSON.stringify({ version: catalog.version, addons }, null, 2)}\n`);
    else io.stdout.write(`Add-on catalog ${catalog.version}\n\n${table(["add-on", "source", "namespace", "description"], addons.map((a) => [a.name, a.source, `${a.namespace} (${a.podSecurity})`, a.description]))}`);
    return 0;
  }
  if (positionals[0] !== "show" || positionals.length !== 2) throw new UsageError("expected `addons` or `addons show <name>`");
  const name = positionals[1]!;
  const addon = catalog.addons.get(name);
  if (!addon) {
    const suggestion = closest(name, [...catalog.addons.keys()]);
    throw new InputError(`unknown add-on "${name}"${suggestion ? ` — did you mean "${suggestion}"?` : ""}. Known add-ons: ${[...catalog.addons.keys()].join(", ")}. Run \`create-cluster-repo addons\` to list them.`);
  }
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ ...summarize(addon), chart: addon.chart ?? null, crds: addon.crds ?? [], excludes: addon.excludes ?? [], enabledByDefault: addon.enabledByDefault ?? false, images: addon.images ?? [], valuesSchema: addon.valuesSchema }, null, 2)}\n`);
    return 0;
  }
  const summary = summarize(addon);
  const facts = [
    `source: ${summary.source}`,
    `namespace: ${summary.namespace}, Pod Security ${summary.podSecurity}${addon.podSecurity?.reason ? ` (${addon.podSecurity.reason.split("\n").join(" ")})` : ""}`,
    ...(summary.requires.length ? [`requires: ${summary.requires.join(", ")}`] : []),
    ...(addon.excludes?.length ? [`never beside: ${addon.excludes.join(", ")}`] : []),
    ...(summary.dependsOn.length ? [`depends on: ${summary.dependsOn.join(", ")}`] : []),
    ...(addon.crds?.length ? [`installs CRDs: ${addon.crds.join(", ")}`] : []),
  ];
  const rows = [
    { name: `addons.${name}.enabled`, type: "boolean", default: "(by capability, see blueprints show)", description: `install ${name}; where a blueprint binds it to a parameter of its own, that parameter decides` },
    ...paramRows(addon.valuesSchema, `addons.${name}.values`),
  ];
  io.stdout.write(
    `${name} — ${addon.description}\n${facts.map((fact) => `  ${fact}`).join("\n")}\n\n` +
      table(["parameter", "type", "default", "description"], rows.map((r) => [r.name, r.type, showValue(r.default), r.description])),
  );
  return 0;
}
