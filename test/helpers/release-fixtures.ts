/**
 * Repositories made by earlier releases of the tool (test/fixtures/releases/<version>/, see its README.md and
 * scripts/make-release-fixtures.mjs), cloned as a user's checkout of them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fixturesDir } from "./fixtures.js";
import { fluxBootstrapFiles } from "./flux-bootstrap.js";

export interface ReleaseCase {
  /** The release that made it, e.g. 0.1.0. */
  release: string;
  name: string;
  blueprint: string;
  engine: "flux" | "argo";
  /** The command line that made it, as its user typed it. */
  create: string;
  /** The files of the team's commit on top (its app under apps/, and the generated listing it edited). */
  teamFiles: string[];
  bundle: string;
}

const RELEASES = join(fixturesDir, "releases");

/** Every repository of every kept release, sorted by release and name. */
export function releaseCases(): ReleaseCase[] {
  if (!existsSync(RELEASES)) return [];
  return readdirSync(RELEASES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((release) => {
      const made = JSON.parse(readFileSync(join(RELEASES, release, "cases.json"), "utf8")) as { release: string; cases: Omit<ReleaseCase, "release" | "bundle">[] };
      return made.cases.map((c) => ({ ...c, release: made.release, bundle: join(RELEASES, release, `${c.name}.bundle`) }));
    });
}

export const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" } }).trim();

/** A clone of `source` (a fixture's bundle, or a repository) in `dir`, with a team identity for the test's commits. */
export function cloneRepository(source: string, dir: string, options: { depth?: number } = {}): string {
  // A depth needs a transport that honours it: file:// (a local path would hard-link the whole history).
  const from = options.depth ? `file://${source}` : source;
  execFileSync("git", ["clone", "--quiet", ...(options.depth ? ["--depth", String(options.depth)] : []), from, dir], { stdio: "ignore" });
  git(dir, "config", "user.name", "Ada Team");
  git(dir, "config", "user.email", "ada@example.com");
  return dir;
}

/** A clone of the fixture's main branch, as its team checks it out. */
export function cloneRelease(fixture: ReleaseCase, into: string): string {
  return cloneRepository(fixture.bundle, join(into, fixture.name));
}

/** What `flux bootstrap` commits into the repository (see flux-bootstrap.ts), committed as it would be. */
export function commitFluxBootstrap(dir: string, clusterName: string, url: string): void {
  for (const [path, content] of fluxBootstrapFiles({ url, branch: "main", path: `clusters/${clusterName}`, tokenAuth: true })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, "add", "-A");
  git(dir, "-c", "user.name=Flux", "-c", "user.email=flux@example.com", "commit", "--quiet", "-m", "Add Flux sync manifests");
}
