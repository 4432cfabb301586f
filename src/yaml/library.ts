/**
 * The `yaml` library, loaded on use by code that only sometimes needs it (it is 0.26 MB of start-up). It ships
 * CommonJS: Node's `import()` gives its exports as named exports and as `default`, esbuild's bundle only as
 * `default`, so the exports object is taken from `default` when there is one.
 */
export async function loadYamlLibrary(): Promise<typeof import("yaml")> {
  const module = (await import("yaml")) as typeof import("yaml") & { default?: typeof import("yaml") };
  return module.default ?? module;
}
