#!/usr/bin/env node
// `npm run fixtures:release -- <commit>`: repositories made by an earlier release of this tool, as its users made them,
// for the upgrade tests (test/upgrade-release.test.ts). Why run the release instead of writing its output by hand: the
// point of the fixtures is what that release really wrote, files and history, with its bugs.
//
// 1. Builds the release at <commit> in a temporary git worktree (npm install, which builds it), outside this checkout.
// 2. Renders every blueprint of that release with both engines, as its README says (`--yes --set repoUrl=...`).
// 3. Commits a team's change on top: its own app under apps/myapp/, listed in the generated apps/kustomization.yaml
//    (where a user of that release put it: the release had no place of its own for the team's workloads).
// 4. Keeps each repository as a git bundle (history included: a repository without a record of what the tool wrote
//    is upgraded from the commit that last wrote its answers file) in test/fixtures/releases/<version>/, with a
//    cases.json naming the commands that made it.
// Dates and identities are fixed, so the same commit gives the same repositories.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const commit = process.argv[2];
if (!commit || process.argv.includes("--help")) {
  console.error("usage: npm run fixtures:release -- <release commit>   (e.g. 003033e, release 0.1.0)");
  process.exit(2);
}

const RELEASE_DATE = "2026-11-22T04:05:20Z";
const TEAM_DATE = "2026-11-23T09:30:00Z";
const TEAM = { name: "Ada Team", email: "ada@example.com" };
/** No user or system git configuration: the release commits as it does on a machine without an identity. */
const quietGit = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
const git = (dir, args, env = {}) => run("git", ["-C", dir, ...args], { env: { ...quietGit, ...env } });

/** The team's own app, valid under `validate --strict --pod-security restricted`. */
const MYAPP = {
  "apps/myapp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - deployment.yaml\n",
  "apps/myapp/namespace.yaml":
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: myapp\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n",
  "apps/myapp/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp
  namespace: myapp
spec:
  replicas: 2
  selector:
    matchLabels:
      app: myapp
  template:
    metadata:
      labels:
        app: myapp
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: web
          image: nginxinc/nginx-unprivileged:1.29-alpine
          ports:
            - containerPort: 8080
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: ["ALL"]
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              memory: 128Mi
`,
};

const release = mkdtempSync(join(tmpdir(), "ccr-release-"));
const work = mkdtempSync(join(tmpdir(), "ccr-release-render-"));
const home = mkdtempSync(join(tmpdir(), "ccr-release-home-"));
/** The committer the release recorded, kept by the amend that fixes the date. */
const sameCommitter = (dir) => {
  const [name, email] = git(dir, ["log", "-1", "--format=%cn%n%ce"]).trim().split("\n");
  return { GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
};
try {
  console.log(`building ${commit} in a temporary worktree`);
  run("git", ["-C", root, "worktree", "add", "--detach", release, commit]);
  // `npm ci` needs a lockfile in step with package.json, which a release commit does not promise; install builds it (prepare).
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: release });
  const version = JSON.parse(readFileSync(join(release, "package.json"), "utf8")).version;
  const blueprints = readdirSync(join(release, "blueprints"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_"))
    .map((entry) => entry.name)
    .sort();
  const out = join(root, "test", "fixtures", "releases", version);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const cases = [];
  for (const blueprint of blueprints) {
    for (const engine of ["flux", "argo"]) {
      const name = `${blueprint}-${engine}`;
      const repoUrl = `https://github.com/acme/${name}.git`;
      const args = [name, "--blueprint", blueprint, "--gitops", engine, "--yes", "--set", `repoUrl=${repoUrl}`];
      // An empty HOME: no identity of this machine's user in the commit (the tool passes git no GIT_* variable).
      run(process.execPath, [join(release, "dist", "cli", "main.js"), ...args], { cwd: work, env: { ...quietGit, HOME: home } });
      const dir = join(work, name);
      // The release commits at the time it runs: its commit gets the release's date instead, nothing else changes.
      git(dir, ["commit", "-q", "--amend", "--no-edit", `--date=${RELEASE_DATE}`], { GIT_COMMITTER_DATE: RELEASE_DATE, ...sameCommitter(dir) });
      for (const [path, content] of Object.entries(MYAPP)) {
        mkdirSync(join(dir, path, ".."), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      // The listing, edited as a person would: one line added to the generated list, its comments kept.
      const listing = join(dir, "apps", "kustomization.yaml");
      const document = parseDocument(readFileSync(listing, "utf8"));
      document.get("resources").add("myapp");
      writeFileSync(listing, document.toString({ lineWidth: 0 }));
      git(dir, ["add", "-A"]);
      const identity = { GIT_AUTHOR_NAME: TEAM.name, GIT_AUTHOR_EMAIL: TEAM.email, GIT_COMMITTER_NAME: TEAM.name, GIT_COMMITTER_EMAIL: TEAM.email };
      git(dir, ["commit", "-q", "-m", "Add myapp"], { ...identity, GIT_AUTHOR_DATE: TEAM_DATE, GIT_COMMITTER_DATE: TEAM_DATE });
      git(dir, ["bundle", "create", join(out, `${name}.bundle`), "HEAD", "main"]);
      cases.push({ name, blueprint, engine, create: `create-cluster-repo ${args.join(" ")}`, teamCommit: "Add myapp", teamFiles: [...Object.keys(MYAPP), "apps/kustomization.yaml"] });
      console.log(`  ${name}: ${git(dir, ["rev-parse", "--short", "main"]).trim()}`);
    }
  }
  const made = { release: version, commit: run("git", ["-C", root, "rev-parse", commit]).trim(), madeBy: "scripts/make-release-fixtures.mjs", cases };
  writeFileSync(join(out, "cases.json"), `${JSON.stringify(made, null, 2)}\n`);
  console.log(`wrote ${cases.length} repositories to ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  try {
    run("git", ["-C", root, "worktree", "remove", "--force", release]);
  } catch {
    rmSync(release, { recursive: true, force: true });
    run("git", ["-C", root, "worktree", "prune"]);
  }
}
