/**
 * The bounds on what the tool reads, in one place (README "Limits" documents them). `validate` runs in CI on every
 * pull request, so its input is whatever a contributor pushes: every limit here turns an input that would cost
 * unbounded time or memory into a clear error that names the file, the line and the limit. Each is far above what
 * real repositories hold.
 */

/**
 * Largest file read: a manifest, Terraform file, CRD, schema, `--values` or answers file, or standard input. The
 * API server refuses objects over 3 MiB, and the biggest install bundles (CRDs of a whole operator) are a few MiB.
 */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/**
 * Largest .tf file validated (bytes). Terraform itself has no limit, but every check reads the whole file several
 * times (two WebAssembly parsers, the formatter, a diff): past this size a file is reported, not read, so that a pull
 * request cannot make validation run for minutes. Real configurations stay far below (the largest provider example
 * modules are a few hundred KiB).
 */
export const MAX_TERRAFORM_FILE_BYTES = 1024 * 1024;

/**
 * Deepest nesting of YAML/JSON collections, aliases expanded. The deepest real manifests (CRDs whose schemas nest
 * `properties` in `properties`) stay under 50 levels. go-yaml stops at 10,000; this bound also keeps every recursive
 * step after parsing (schema validation, serialisation) far from the JavaScript stack's limit.
 */
export const MAX_NESTING_DEPTH = 1000;

/**
 * Alias expansion (go-yaml's "excessive aliasing"): the documents of a file may expand through aliases to at most
 * this many times the file's size, counted in characters of their expanded content, or to MIN_ALIAS_EXPANSION
 * characters for a small file. A billion-laughs bomb of a few hundred bytes would otherwise expand to gigabytes,
 * and an alias that refers to a node containing it would expand forever (always refused).
 */
export const MAX_ALIAS_EXPANSION_RATIO = 10;
export const MIN_ALIAS_EXPANSION = 1024 * 1024;

/** The alias-expansion budget of a file of `length` characters. */
export function aliasExpansionBudget(length: number): number {
  return Math.max(MIN_ALIAS_EXPANSION, MAX_ALIAS_EXPANSION_RATIO * length);
}

/**
 * Size of each cache folder of `validate` (fetched schemas; compiled schemas): past it, the least recently used files
 * are removed first. A Kubernetes version's whole schema set in kubeconform's layout is about 150 MiB, so a few
 * versions fit; a pull request that names thousands of kinds churns the cache instead of filling the disk.
 */
export const MAX_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * Resources one kustomize build may hold, nested builds expanded, for the duplicate check; and resources all builds of
 * a repository may hold together. The largest real builds (an operator's whole install) hold a few thousand; a
 * kustomization that includes another many times over, level after level, would otherwise expand exponentially (a few
 * dozen small kustomization.yaml files reach billions). Past either, the build is reported and not checked further.
 */
export const MAX_KUSTOMIZE_BUILD_RESOURCES = 50_000;
export const MAX_KUSTOMIZE_RESOURCES_TOTAL = 1_000_000;

/**
 * Deepest nesting inside one expression: brackets, parentheses and template interpolations (`"${"${...}"}"`) of a
 * Terraform file, blocks within blocks, and parentheses and brackets of a GitHub Actions `${{ }}` expression. Real
 * code stays under 20; the parsers recurse once per level, so a file nested 100,000 deep would overflow the stack and
 * end the whole run. Past it, that one file is an error and the others are still validated.
 */
export const MAX_EXPRESSION_NESTING = 256;

/** `33554432` -> "32 MiB"; other sizes in bytes, with thousands separators. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  return `${bytes.toLocaleString("en-US")} bytes`;
}

/** Thrown when an input goes past one of the limits above; the message names the limit. */
export class LimitError extends Error {
  constructor(
    message: string,
    /** 1-based line where the limit was passed, when known. */
    readonly line?: number,
  ) {
    super(message);
    this.name = "LimitError";
  }
}
