import type { Addon, Catalog } from "../../src/catalog/types.js";

/**
 * An add-on's required settings (settings.schema.json), each the first of its schema's `examples`: what a test gives
 * to switch it on, as a user must (the contract test requires the examples).
 */
export function exampleSettings(addon: Addon): Record<string, unknown> | undefined {
  const schema = addon.settingsSchema as { required?: string[]; properties?: Record<string, { examples?: unknown[] }> } | undefined;
  if (!schema?.required?.length) return undefined;
  return Object.fromEntries(schema.required.map((key) => [key, schema.properties?.[key]?.examples?.[0]]));
}

/** `addons.<name>` of the answers file that switches it on, with its required settings. */
export function switchedOn(addon: Addon): { enabled: true; settings?: Record<string, unknown> } {
  const settings = exampleSettings(addon);
  return settings ? { enabled: true, settings } : { enabled: true };
}

/** `addons` of an answers file that switches `name` on with every add-on it depends on, each as a user must. */
export function switchedOnWithDependencies(catalog: Catalog, name: string, into: Record<string, unknown> = {}): Record<string, unknown> {
  const addon = catalog.addons.get(name)!;
  into[name] = switchedOn(addon);
  for (const dependency of addon.dependsOn ?? []) switchedOnWithDependencies(catalog, dependency, into);
  return into;
}
