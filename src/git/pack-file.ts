/**
 * A git pack of whole (undeltified) objects and its index, as `git index-pack` would leave them: `pack-<checksum>.pack`
 * (version 2: gitformat-pack) and `pack-<checksum>.idx` (version 2), read-only. Why a pack where `git commit` writes
 * loose objects: a new repository's first commit is about a hundred objects, and each loose object is a file (and
 * often a folder) of its own; on a busy machine each file creation costs about half a millisecond, which made writing
 * the objects a third of a `create`. Two files instead; git reads the repository the same (a clone holds only packs).
 *
 * Hand-written on node:crypto and node:zlib, like first-commit.ts: the two formats are a few dozen lines.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

/** A git object: its type, its content (without the `<type> <size>\0` header), and its id (SHA-1 of header and content). */
export interface GitObject {
  type: "commit" | "tree" | "blob";
  content: Buffer;
  sha: string;
}

const TYPE_CODES = { commit: 1, tree: 2, blob: 3 } as const;

/** Offsets in a version 2 index are 31 bits; a larger pack needs its table of large offsets, which is not written here. */
export const MAX_PACK_BYTES = 0x7fffffff;

/** The object's header in a pack: its type and size, the size in 7-bit groups, lowest first (gitformat-pack). */
function entryHeader(type: GitObject["type"], size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_CODES[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/** CRC-32 (IEEE), as the index records per object. Hand-written: zlib.crc32 is not in every Node 20 this package supports. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Writes `objects` (distinct ids) as one pack and its index in `packDir` (`.git/objects/pack`, which `git init`
 * makes). Deflated at level 1, git's own level for the objects a commit writes (core.looseCompression). Returns the
 * pack's checksum, which names both files.
 * @throws RangeError when the pack would exceed {@link MAX_PACK_BYTES} (nothing written).
 */
export function writePack(packDir: string, objects: readonly GitObject[]): string {
  const header = Buffer.alloc(12);
  header.write("PACK", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  const entries: { id: Buffer; offset: number; crc: number }[] = [];
  let offset = header.length;
  for (const object of objects) {
    const packed = Buffer.concat([entryHeader(object.type, object.content.length), deflateSync(object.content, { level: 1 })]);
    entries.push({ id: Buffer.from(object.sha, "hex"), offset, crc: crc32(packed) });
    parts.push(packed);
    offset += packed.length;
    if (offset > MAX_PACK_BYTES) throw new RangeError(`a pack of ${objects.length} objects is larger than ${MAX_PACK_BYTES} bytes`);
  }
  const body = Buffer.concat(parts);
  const checksum = createHash("sha1").update(body).digest();

  // The index: a fan-out table by first byte, then the ids in order, their CRCs, their offsets, and two checksums.
  entries.sort((a, b) => Buffer.compare(a.id, b.id));
  const index = Buffer.alloc(8 + 256 * 4 + entries.length * 28 + 40);
  index.writeUInt32BE(0xff744f63, 0);
  index.writeUInt32BE(2, 4);
  const fanout = new Array<number>(256).fill(0);
  for (const entry of entries) fanout[entry.id[0]!]! += 1;
  let running = 0;
  for (let i = 0; i < 256; i++) index.writeUInt32BE((running += fanout[i]!), 8 + i * 4);
  const ids = 8 + 256 * 4;
  const crcs = ids + entries.length * 20;
  const offsets = crcs + entries.length * 4;
  entries.forEach((entry, i) => {
    entry.id.copy(index, ids + i * 20);
    index.writeUInt32BE(entry.crc, crcs + i * 4);
    index.writeUInt32BE(entry.offset, offsets + i * 4);
  });
  const trailer = offsets + entries.length * 4;
  checksum.copy(index, trailer);
  createHash("sha1").update(index.subarray(0, trailer + 20)).digest().copy(index, trailer + 20);

  const name = `pack-${checksum.toString("hex")}`;
  // The pack before its index: git looks for packs through their indexes, so it never sees a pack half written.
  writeFileSync(join(packDir, `${name}.pack`), Buffer.concat([body, checksum]), { mode: 0o444, flag: "wx" });
  writeFileSync(join(packDir, `${name}.idx`), index, { mode: 0o444, flag: "wx" });
  return checksum.toString("hex");
}
