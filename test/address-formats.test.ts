/**
 * The address patterns the CRD schemas carry are ajv-formats' own expressions, written out in
 * src/validators/kubernetes/address-formats.ts so that start-up does not load ajv-formats: an upgrade of ajv-formats
 * that changes them fails here (then rebuild the schemas with `npm run build:schemas`).
 */
import { fullFormats } from "ajv-formats/dist/formats.js";
import { describe, expect, test } from "vitest";
import { ADDRESS_PATTERNS, addressFormatOf } from "../src/validators/kubernetes/address-formats.js";

describe("IP address formats", () => {
  test("are ajv-formats' expressions (IPv6 case-insensitive)", () => {
    const ipv4 = fullFormats.ipv4 as RegExp;
    const ipv6 = fullFormats.ipv6 as RegExp;
    expect(ADDRESS_PATTERNS.ipv4).toBe(ipv4.source);
    expect(ipv4.flags).toBe("");
    expect(ADDRESS_PATTERNS.ipv6).toBe(`(?i)${ipv6.source}`);
    expect(ipv6.flags).toBe("i");
  });

  test("a pattern names its format; any other pattern names none", () => {
    expect(addressFormatOf(ADDRESS_PATTERNS.ipv4)).toBe("ipv4");
    expect(addressFormatOf(ADDRESS_PATTERNS.ipv6)).toBe("ipv6");
    expect(addressFormatOf("^[a-z]+$")).toBeUndefined();
    expect(addressFormatOf(undefined)).toBeUndefined();
  });
});
