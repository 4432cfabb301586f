/**
 * IPv4 CIDR arithmetic for parameter rules (address ranges that must nest or stay apart). The schema has already
 * checked the dotted-quad/prefix syntax, so parsing here only converts.
 */

/** An IPv4 range as its first address and prefix length; `start`/`end` are unsigned 32-bit integers. */
export interface Ipv4Range {
  text: string;
  start: number;
  end: number;
  prefix: number;
}

/** `10.0.0.10` -> unsigned 32-bit integer. */
export function ipv4ToInt(address: string): number {
  return address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** `10.224.0.0/16` -> its range; host bits set in the address are dropped (see `isCanonicalCidr`). */
export function parseCidr(cidr: string): Ipv4Range {
  const [address = "", prefixText = "32"] = cidr.split("/");
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(ipv4ToInt(address) / size) * size;
  return { text: cidr, start, end: start + size - 1, prefix };
}

/** True when the address part has no host bits set: Azure rejects `10.224.0.1/16`. */
export function isCanonicalCidr(cidr: string): boolean {
  return ipv4ToInt(cidr.split("/")[0] ?? "") === parseCidr(cidr).start;
}

/** The canonical form of a CIDR (`10.224.0.1/16` -> `10.224.0.0/16`), for "use X instead" messages. */
export function canonicalCidr(cidr: string): string {
  const range = parseCidr(cidr);
  return `${intToIpv4(range.start)}/${range.prefix}`;
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** True when `inner` lies entirely inside `outer`. */
export function rangeContains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

export function rangeContainsAddress(range: Ipv4Range, address: string): boolean {
  const value = ipv4ToInt(address);
  return range.start <= value && value <= range.end;
}

/** Number of addresses in the range. */
export function rangeSize(range: Ipv4Range): number {
  return range.end - range.start + 1;
}
