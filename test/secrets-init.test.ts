/**
 * `secrets init` and `secrets retire` end to end, with a real age implementation: the key the tool generates opens
 * what is encrypted for the recipient it wrote into `.sops.yaml` (age-encryption in process, and Debian's `age` CLI
 * where installed), SOPS documents built in SOPS's own format (test/helpers/sops-format.ts) pass `validate` and are
 * re-encrypted through a whole rotation.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { armor, Decrypter, Encrypter, identityToRecipient } from "age-encryption";
import { parse } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { redact } from "../src/redact.js";
import { SOPS_AGE_SECRET } from "../src/secrets/sops-config.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { git } from "./helpers/day1.js";
import { sopsDecryptSecret, sopsEncryptSecret, sopsUpdateKeys, unwrapDataKey } from "./helpers/sops-format.js";

const AGE_CLI = (() => {
  try {
    execFileSync("age", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const work = tempDir("ccr-secrets-init-");
let template: string;

beforeAll(async () => {
  template = join(work, "template");
  const run = await runCli(["--blueprint", "kapsule-gpu", "--yes", "--set", "secrets=sops", "--set", "repoUrl=https://github.com/acme/gpu.git", template]);
  expect(run.status, run.stderr).toBe(0);
}, 120_000);

let copies = 0;
/** A fresh copy of the sops repository, and a folder outside it for keys. */
function repository(): { dir: string; keys: string } {
  const dir = join(work, `repo-${++copies}`);
  cpSync(template, dir, { recursive: true });
  const keys = join(work, `keys-${copies}`);
  return { dir, keys };
}

const identityOf = (keyFileText: string) => keyFileText.split("\n").find((line) => line.startsWith("AGE-SECRET-KEY-1"))!;
const recipientsOf = (dir: string): string[] => String(parse(readFileSync(join(dir, ".sops.yaml"), "utf8")).creation_rules[0].age).split(",");

const inferenceKey = (value: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "inference-api-key", namespace: "inference" }, stringData: { "api-key": value } });

describe("secrets init", () => {
  test("writes .sops.yaml for a new key pair whose private key, written 0600 outside the repository, opens what is encrypted for it", async () => {
    const { dir, keys } = repository();
    const keyFile = join(keys, "gpu.agekey");
    const run = await runCli(["secrets", "init", "--key-file", keyFile], { cwd: dir });
    expect(run.status, run.stderr).toBe(0);
    const keyText = readFileSync(keyFile, "utf8");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(keys).mode & 0o777).toBe(0o700);
    expect(keyText).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: age1[0-9a-z]{58}\nAGE-SECRET-KEY-1[0-9A-Z]{58}\n$/);
    const identity = identityOf(keyText);
    const [recipient] = recipientsOf(dir);
    expect(recipientsOf(dir)).toEqual([await identityToRecipient(identity)]);
    // The private key is nowhere in what was printed, nor in the repository.
    expect(run.stdout + run.stderr).not.toContain(identity);
    expect(git(dir, "status", "--porcelain")).toBe("?? .sops.yaml");
    expect(run.stdout).toContain(`kubectl create secret generic ${SOPS_AGE_SECRET.name} --from-file=${SOPS_AGE_SECRET.dataKey}=/dev/stdin -n ${SOPS_AGE_SECRET.namespace} < ${keyFile}`);

    // age, in process: encrypted for the recipient of .sops.yaml, opened with the generated key.
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient!);
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity);
    expect(await decrypter.decrypt(await encrypter.encrypt("the model key"), "text")).toBe("the model key");

    // A Secret as sops writes it, under team/secrets/: decrypted as Flux would, and validate and check pass.
    mkdirSync(join(dir, "team/secrets"), { recursive: true });
    writeFileSync(join(dir, "team/secrets/inference-api-key.yaml"), await sopsEncryptSecret(inferenceKey("s3cr3t-v4lue"), recipientsOf(dir)));
    expect((await sopsDecryptSecret(readFileSync(join(dir, "team/secrets/inference-api-key.yaml"), "utf8"), identity)).stringData).toEqual({ "api-key": "s3cr3t-v4lue" });
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "SOPS key and the inference key");
    const validate = await runCli(["validate", "--strict", "--pod-security", "restricted", "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
    expect(validate.status, validate.stdout).toBe(0);
    expect((await runCli(["check", "."], { cwd: dir })).status).toBe(0);
  });

  test.skipIf(!AGE_CLI)("the age CLI (Debian's age 1.1) reads the key and the recipient it wrote (skipped without it: apt-get install age)", async () => {
    const { dir, keys } = repository();
    const keyFile = join(keys, "gpu.agekey");
    expect((await runCli(["secrets", "init", "--key-file", keyFile], { cwd: dir })).status).toBe(0);
    const [recipient] = recipientsOf(dir);
    expect(execFileSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).trim()).toBe(recipient);
    // age CLI encrypts for the recipient; the key opens it in process.
    const encrypted = execFileSync("age", ["-a", "-r", recipient!], { input: "from the age CLI" });
    const decrypter = new Decrypter();
    decrypter.addIdentity(identityOf(readFileSync(keyFile, "utf8")));
    expect(await decrypter.decrypt(armor.decode(encrypted.toString()), "text")).toBe("from the age CLI");
    // A SOPS document's data key, encrypted in process for the recipient, opened by the age CLI with the key file.
    const document = parse(await sopsEncryptSecret(inferenceKey("x"), [recipient!]));
    const dataKey = execFileSync("age", ["-d", "-i", keyFile], { input: document.sops.age[0].enc });
    expect(Buffer.from(dataKey)).toEqual(Buffer.from(await unwrapDataKey(document, identityOf(readFileSync(keyFile, "utf8")))));
  });

  test("without --key-file the private key alone is printed on standard output, once; the steps go to standard error", async () => {
    const { dir } = repository();
    const run = await runCli(["secrets", "init"], { cwd: dir });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^# created: \S+\n# public key: age1\w+\nAGE-SECRET-KEY-1[0-9A-Z]{58}\n$/);
    const identity = identityOf(run.stdout);
    expect(recipientsOf(dir)).toEqual([await identityToRecipient(identity)]);
    expect(run.stderr).not.toContain("AGE-SECRET-KEY");
    expect(run.stderr).toContain(`kubectl create secret generic sops-age --from-file=age.agekey=/dev/stdin -n flux-system < <key file>`);
    expect(run.stderr).toContain("shown once and kept nowhere else");
  });

  test("with --recipient, the user's own public key is written and nothing secret is made", async () => {
    const { dir } = repository();
    const own = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    const run = await runCli(["secrets", "init", "--recipient", own], { cwd: dir });
    expect(run.status, run.stderr).toBe(0);
    expect(recipientsOf(dir)).toEqual([own]);
    expect(run.stdout + run.stderr).not.toContain("AGE-SECRET-KEY");
  });

  test("rotation: secrets rotate adds a key, the files are re-encrypted for both, retire removes the old key, and only the new key opens them", async () => {
    const { dir, keys } = repository();
    const oldKey = join(keys, "old.agekey");
    const newKey = join(keys, "new.agekey");
    expect((await runCli(["secrets", "init", "--key-file", oldKey], { cwd: dir })).status).toBe(0);
    const oldIdentity = identityOf(readFileSync(oldKey, "utf8"));
    const [oldRecipient] = recipientsOf(dir);
    mkdirSync(join(dir, "team/secrets"), { recursive: true });
    const file = "team/secrets/inference-api-key.yaml";
    writeFileSync(join(dir, file), await sopsEncryptSecret(inferenceKey("v1"), recipientsOf(dir)));

    // Again without --rotate: refused, .sops.yaml unchanged, no key made.
    const sopsYaml = readFileSync(join(dir, ".sops.yaml"), "utf8");
    const again = await runCli(["secrets", "init", "--key-file", newKey], { cwd: dir });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(".sops.yaml already exists");
    expect(again.stderr).toContain("--rotate");
    expect(readFileSync(join(dir, ".sops.yaml"), "utf8")).toBe(sopsYaml);
    expect(existsSync(newKey)).toBe(false);

    // 1. A new key beside the old one; the files to re-encrypt are named with the command.
    // `secrets rotate` is `secrets init --rotate`; given --rotate as well, it is refused (exit 2) before any key is made.
    const twice = await runCli(["secrets", "rotate", "--rotate", "--key-file", newKey], { cwd: dir });
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain("leave out --rotate");
    expect(existsSync(newKey)).toBe(false);
    const rotate = await runCli(["secrets", "rotate", "--key-file", newKey], { cwd: dir });
    expect(rotate.status, rotate.stderr).toBe(0);
    const newIdentity = identityOf(readFileSync(newKey, "utf8"));
    const newRecipient = await identityToRecipient(newIdentity);
    expect(recipientsOf(dir)).toEqual([oldRecipient, newRecipient]);
    expect(readFileSync(join(dir, ".sops.yaml"), "utf8")).toContain("# The Secrets of the cluster kapsule-gpu"); // comments kept
    expect(rotate.stdout).toContain(`sops updatekeys -y ${file}`);
    expect(rotate.stdout).toContain("--from-file=age.agekey=<old key file> --from-file=age-2.agekey=" + newKey);
    expect(rotate.stdout).toContain(`secrets retire ${oldRecipient}`);
    writeFileSync(join(dir, file), await sopsUpdateKeys(readFileSync(join(dir, file), "utf8"), oldIdentity, recipientsOf(dir)));
    expect((await sopsDecryptSecret(readFileSync(join(dir, file), "utf8"), newIdentity)).stringData["api-key"]).toBe("v1");

    // 2. The old key retired: the files are named again, and once re-encrypted only the new key opens them.
    const retire = await runCli(["secrets", "retire", oldRecipient!], { cwd: dir });
    expect(retire.status, retire.stderr).toBe(0);
    expect(recipientsOf(dir)).toEqual([newRecipient]);
    expect(retire.stdout).toContain(`sops updatekeys -y ${file}`);
    writeFileSync(join(dir, file), await sopsUpdateKeys(readFileSync(join(dir, file), "utf8"), newIdentity, recipientsOf(dir)));
    expect((await sopsDecryptSecret(readFileSync(join(dir, file), "utf8"), newIdentity)).stringData["api-key"]).toBe("v1");
    await expect(sopsDecryptSecret(readFileSync(join(dir, file), "utf8"), oldIdentity)).rejects.toThrow(/no age entry/);

    // Retiring the last key is refused: nothing could decrypt the files.
    const last = await runCli(["secrets", "retire", newRecipient], { cwd: dir });
    expect(last.status).toBe(2);
    expect(last.stderr).toContain("only recipient");
  });
});

describe("switching an existing repository to sops", () => {
  test("update --set secrets=sops adds the decryption and team/secrets/; secrets init then accepts it; Argo CD stays refused", async () => {
    const dir = join(work, "switch");
    expect((await runCli(["--blueprint", "kapsule-gpu", "--yes", "--set", "repoUrl=https://github.com/acme/gpu.git", dir])).status).toBe(0);
    const update = await runCli(["update", "--set", "secrets=sops"], { cwd: dir });
    expect(update.status, update.stderr).toBe(0);
    expect(readFileSync(join(dir, "clusters/kapsule-gpu/apps.yaml"), "utf8")).toContain("provider: sops");
    expect(existsSync(join(dir, "clusters/kapsule-gpu/secrets.yaml"))).toBe(true);
    expect(existsSync(join(dir, "team/secrets/README.md"))).toBe(true);
    const init = await runCli(["secrets", "init", "--recipient", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"], { cwd: dir });
    expect(init.status, init.stderr).toBe(0);
    git(dir, "add", ".sops.yaml");
    git(dir, "commit", "-q", "-m", "SOPS: the age key");
    // A plaintext Secret dropped in team/secrets/ is what validate (and the CI) refuses.
    writeFileSync(join(dir, "team/secrets/leak.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\n  namespace: inference\nstringData:\n  token: hunter2\n");
    const validate = await runCli(["validate", "--strict", "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
    expect(validate.status).toBe(1);
    expect(validate.stdout).toContain("team/secrets/leak.yaml:7 error Secret leak: stringData holds \"token\" in plain text");
    rmSync(join(dir, "team/secrets/leak.yaml"));
    const argo = await runCli(["update", "--set", "gitops=argo", "--confirm", "engine-switch"], { cwd: dir });
    expect(argo.status).toBe(2);
    expect(argo.stderr).toContain("[rule: sops-needs-flux]");
  }, 120_000);
});

describe("secrets init refuses bad input with exit 2 and the reason, writing nothing", () => {
  const refused = async (args: string[], dir: string, reason: string | RegExp) => {
    const run = await runCli(args, { cwd: dir });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(reason);
    return run;
  };

  test("an invalid age recipient, and a private key given as one (not echoed)", async () => {
    const { dir } = repository();
    const typo = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q";
    await refused(["secrets", "init", "--recipient", typo], dir, /is not a valid age recipient \(Invalid checksum/);
    await refused(["secrets", "init", "--recipient", "ssh-ed25519 AAAA"], dir, /is not an age recipient/);
    const privateKey = `AGE-SECRET-KEY-1${"Q".repeat(58)}`;
    const run = await refused(["secrets", "init", "--recipient", privateKey], dir, /that is an age private key/);
    expect(run.stderr).not.toContain(privateKey);
    expect(existsSync(join(dir, ".sops.yaml"))).toBe(false);
  });

  test("a key file inside the repository, inside another work tree, or over an existing file", async () => {
    const { dir, keys } = repository();
    await refused(["secrets", "init", "--key-file", "keys/gpu.agekey"], dir, /inside the repository/);
    const other = join(work, "other-repo");
    mkdirSync(other, { recursive: true });
    git(other, "init", "-q");
    await refused(["secrets", "init", "--key-file", join(other, "deep/gpu.agekey")], dir, /inside the git work tree/);
    mkdirSync(keys, { recursive: true });
    writeFileSync(join(keys, "taken.agekey"), "# someone's key\n");
    await refused(["secrets", "init", "--key-file", join(keys, "taken.agekey")], dir, /never overwritten/);
    expect(readFileSync(join(keys, "taken.agekey"), "utf8")).toBe("# someone's key\n");
    expect(existsSync(join(dir, ".sops.yaml"))).toBe(false);
    expect(existsSync(join(dir, "keys"))).toBe(false);
  });

  test("a .sops.yaml that does not cover the files that hold secrets", async () => {
    const { dir, keys } = repository();
    writeFileSync(join(dir, ".sops.yaml"), "creation_rules:\n  - path_regex: ^secrets/.*\\.yaml$\n    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n");
    const run = await refused(["secrets", "init", "--rotate", "--key-file", join(keys, "k")], dir, /\.sops\.yaml does not cover the files that hold secrets/);
    expect(run.stderr).toContain("no creation rule matches team/secrets/example.yaml");
    writeFileSync(join(dir, ".sops.yaml"), "creation_rules:\n  - path_regex: .*\n    pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n");
    await refused(["secrets", "init", "--rotate", "--key-file", join(keys, "k")], dir, /matches creation_rules\[0\] \(line 2\), which has no age recipient/);
    expect(existsSync(join(keys, "k"))).toBe(false);
  });

  test("a repository whose secrets parameter is not sops, and a folder that is no rendered repository", async () => {
    const dir = join(work, "external");
    expect((await runCli(["--blueprint", "kapsule-gpu", "--yes", dir])).status).toBe(0);
    await refused(["secrets", "init"], dir, /secrets is "external-secrets".*update --set secrets=sops/);
    await refused(["secrets", "init"], work, /no cluster-repo\.yaml here/);
    await refused(["secrets", "init", "--rotate"], repository().dir, /no \.sops\.yaml here/);
    await refused(["secrets", "rotate"], repository().dir, /no \.sops\.yaml here/);
  }, 60_000);
});

test("an age private key in an error or a cause is masked like a token", async () => {
  const identity = `AGE-SECRET-KEY-1${"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".repeat(2).slice(0, 58)}`;
  expect(redact(`failed: ${identity} was refused`)).toBe("failed: *** was refused");
  expect(redact(`AGE-SECRET-KEY-PQ-1${"Q".repeat(80)}`)).toBe("***");
});
