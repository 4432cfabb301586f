/**
 * The catalog's share of a blueprint's parameters: one `addons` parameter, with `addons.<name>.enabled` for each
 * add-on the blueprint offers as a switch and `addons.<name>.values` (the add-on's values.schema.json) for each add-on
 * it offers. The blueprint schema, the common schema and the catalog each own their names: a clash is a load error
 * naming both files (see mergeParamsSchemas in src/blueprints/load.ts).
 */
import type { OfferedAddon } from "./select.js";

/** The parameter the catalog owns. */
export const ADDONS_PARAM = "addons";

/** The schema of `addons` for the add-ons a blueprint offers. */
export function addonsParamSchema(offered: Map<string, OfferedAddon>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, { addon, when }] of offered) {
    const { $schema: _schema, description: valuesDescription, ...values } = addon.valuesSchema as { $schema?: string; description?: string };
    const { $schema: _settingsSchema, description: settingsDescription, ...settings } = (addon.settingsSchema ?? {}) as { $schema?: string; description?: string; required?: string[] };
    const requiredSettings = addon.settingsSchema !== undefined && (settings.required?.length ?? 0) > 0;
    properties[name] = {
      type: "object",
      additionalProperties: false,
      description: addon.description,
      // Settings the add-on cannot do without (an ACME account's e-mail) are required once it is switched on.
      ...(requiredSettings && when === undefined
        ? { if: { required: ["enabled"], properties: { enabled: { const: true } } }, then: { required: ["settings"], properties: { settings: { type: "object" } } }, "x-hint": `give addons.${name}.settings (${settings.required!.join(", ")}) when addons.${name}.enabled is true` }
        : {}),
      properties: {
        ...(when === undefined
          ? {
              enabled: {
                type: "boolean",
                description: `Install ${name} (${addon.chart ? `chart ${addon.chart.name} ${addon.chart.version}` : "manifests"}, namespace ${addon.namespace}).`,
                "x-default": defaultWords(addon),
              },
            }
          : {}),
        values: {
          ...values,
          description: `${valuesDescription ?? `Values of ${name}`}: over the catalog's and the blueprint's (deep-merged; lists replace).`,
        },
        ...(addon.settingsSchema ? { settings: { ...settings, description: settingsDescription ?? `Settings of ${name}.` } } : {}),
      },
    };
  }
  return {
    type: "object",
    default: {},
    additionalProperties: false,
    description: "Add-ons of the catalog (`create-cluster-repo addons`): addons.<name>.enabled turns one on or off, addons.<name>.values sets its values.",
    properties,
  };
}

/** The default of a switch in words, for `blueprints show` and `addons show` (it depends on the cluster). */
function defaultWords(addon: OfferedAddon["addon"]): string {
  const rule = addon.enabledByDefault ?? false;
  if (rule === true) return (addon.requires ?? []).length > 0 ? `true where the cluster has ${addon.requires!.join(", ")}` : "true";
  if (rule === false) return "false";
  return `true where the cluster has ${rule.map((set) => set.join(" and ")).join(", or ")}; else false`;
}
