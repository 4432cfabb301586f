import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { writePack, type GitObject } from "../src/git/pack-file.js";
import { tempDir } from "./helpers/cli.js";

// src/git/pack-file.ts writes the first commit's objects as one pack: git must read back every object, whatever the
// size's encoding in the entry header (4 bits, then 7-bit groups), and verify the pack and its index whole.
const blob = (content: Buffer): GitObject => ({ type: "blob", content, sha: createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex") });

describe("a pack written in process", () => {
  test("git verifies it and reads every object back, at sizes across the header's size groups", () => {
    const repo = tempDir("ccr-pack-");
    execFileSync("git", ["init", "--quiet", "--bare", repo]);
    const sizes = [0, 1, 15, 16, 127, 2047, 2048, 262_143, 262_144, 1_000_003];
    // bytes that do not compress to nothing, so that the deflated lengths differ too
    const objects = sizes.map((size) => blob(Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919 + size) % 251))));
    const checksum = writePack(join(repo, "objects", "pack"), objects);
    expect(readdirSync(join(repo, "objects", "pack")).sort()).toEqual([`pack-${checksum}.idx`, `pack-${checksum}.pack`]);
    const verified = execFileSync("git", ["verify-pack", "-v", join(repo, "objects", "pack", `pack-${checksum}.idx`)], { encoding: "utf8" });
    for (const object of objects) {
      expect(verified).toMatch(new RegExp(`^${object.sha} blob\\s+${object.content.length} `, "m"));
      expect(execFileSync("git", ["--git-dir", repo, "cat-file", "blob", object.sha]).equals(object.content)).toBe(true);
    }
    execFileSync("git", ["--git-dir", repo, "fsck", "--strict", "--no-dangling"]);
  });
});
