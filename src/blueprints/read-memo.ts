/**
 * Whether template sets are read once per process (src/blueprints/load.ts readTemplateSet): the CLI turns it on at
 * start (the package's files do not change during a command); off for the library, whose process may outlive an
 * edit. A module of its own, without imports, so that turning it on loads nothing else.
 */
export const templateSetMemo: { sets?: Map<string, Map<string, string>> } = {};

/** Reads each template set once per process from now on. */
export function keepTemplateSetsRead(): void {
  templateSetMemo.sets ??= new Map();
}
