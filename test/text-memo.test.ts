import { describe, expect, test } from "vitest";
import { memoByText } from "../src/validators/terraform/text-memo.js";

/** A function of a text that counts its calls, and what it computed from each text. */
function counted() {
  const calls: string[] = [];
  return { calls, compute: (text: string) => (calls.push(text), { length: text.length, text }) };
}

describe("memoByText", () => {
  test("a text seen before gives the same result without computing it again", () => {
    const { calls, compute } = counted();
    const memo = memoByText(compute, 100);
    const first = memo("resource {}");
    expect(memo("resource" + " {}")).toBe(first);
    expect(calls).toEqual(["resource {}"]);
  });

  test("keeps texts up to its bound in characters, dropping the oldest first", () => {
    const { calls, compute } = counted();
    const memo = memoByText(compute, 10);
    memo("aaaa");
    memo("bbbb");
    memo("cccc"); // 12 characters: "aaaa" is dropped
    memo("bbbb");
    memo("aaaa");
    expect(calls).toEqual(["aaaa", "bbbb", "cccc", "aaaa"]);
  });

  test("a text longer than the bound is computed each time and drops nothing", () => {
    const { calls, compute } = counted();
    const memo = memoByText(compute, 4);
    memo("ab");
    memo("abcdef");
    memo("abcdef");
    memo("ab");
    expect(calls).toEqual(["ab", "abcdef", "abcdef"]);
  });

  test("a call that throws keeps nothing: the next call computes again and throws again", () => {
    let calls = 0;
    const memo = memoByText((text: string) => {
      calls++;
      throw new Error(`too deep: ${text}`);
    }, 100);
    expect(() => memo("x")).toThrow("too deep: x");
    expect(() => memo("x")).toThrow("too deep: x");
    expect(calls).toBe(2);
  });
});
