import { describe, expect, test } from "bun:test";
import { encodeRows, FeatureError, inferKind, inferSpec, TEXT_DIMS } from "../../src/ml/features";

describe("feature kinds", () => {
  test.each([
    [[1, 2.5, "3", null], "numeric"],
    [[true, false, "yes", ""], "boolean"],
    [["red", "blue", "red", null], "categorical"],
    [["the quick brown fox", "jumps over the lazy dog", "a b c", "x y"], "text"],
    [[null, undefined, ""], "numeric"],
  ])("%p is %s", (values, kind) => {
    expect(inferKind(values)).toBe(kind as ReturnType<typeof inferKind>);
  });

  test("more than 100 distinct short strings is text, not a huge one-hot", () => {
    expect(inferKind(Array.from({ length: 150 }, (_, i) => `id${i}`))).toBe("text");
  });
});

describe("feature spec", () => {
  const rows = [
    { age: 20, member: true, color: "red", note: "good service" },
    { age: 30, member: false, color: "blue", note: "slow" },
    { age: null, member: null, color: "red", note: "" },
    { age: 40, member: true, color: "green", note: "good good" },
  ];
  const spec = inferSpec(rows, ["age", "member", "color", "note"], { note: "text" });

  test("records what it saw: mean and std of numbers, rates, categories, missing counts", () => {
    const [age, member, color, note] = spec.features;
    expect(age).toMatchObject({ kind: "numeric", mean: 30, count: 4, missing: 1 });
    expect(age?.kind === "numeric" && age.std).toBeCloseTo(Math.sqrt(200 / 3), 10);
    expect(member).toMatchObject({ kind: "boolean", rate: 2 / 3, missing: 1 });
    expect(color).toMatchObject({ kind: "categorical", categories: ["blue", "green", "red"] });
    expect(note).toMatchObject({ kind: "text", dims: TEXT_DIMS });
    // 2 (age) + 2 (member) + 4 (3 colours + unknown) + text buckets
    expect(spec.width).toBe(2 + 2 + 4 + TEXT_DIMS);
  });

  test("encodes standardised numbers with a missing flag imputed at the mean", () => {
    const x = encodeRows(spec, [
      { age: 40, member: true, color: "red", note: "x" },
      { age: null, member: true, color: "red", note: "x" },
    ]);
    const std = Math.sqrt(200 / 3);
    expect(x[0]).toBeCloseTo(10 / std, 5);
    expect(x[1]).toBe(0);
    expect(x[spec.width]).toBe(0); // missing → mean → 0 after standardising
    expect(x[spec.width + 1]).toBe(1);
  });

  test("one-hot over seen categories, unseen ones go to unknown instead of failing", () => {
    const x = encodeRows(spec, [{ age: 1, member: false, color: "purple", note: "" }]);
    expect(Array.from(x.slice(4, 8))).toEqual([0, 0, 0, 1]);
    const y = encodeRows(spec, [{ age: 1, member: false, color: "green", note: "" }]);
    expect(Array.from(y.slice(4, 8))).toEqual([0, 1, 0, 0]);
  });

  test("text is hashed into L2-normalised buckets, the same text the same way", () => {
    const a = encodeRows(spec, [{ age: 1, member: true, color: "red", note: "Good service!" }]);
    const b = encodeRows(spec, [{ age: 1, member: true, color: "red", note: "good  SERVICE" }]);
    const text = a.slice(8);
    expect(Array.from(text)).toEqual(Array.from(b.slice(8)));
    expect(Math.hypot(...text)).toBeCloseTo(1, 5);
    expect(text.filter((v) => v !== 0).length).toBeGreaterThan(3);
  });

  test("a field absent from rows is an error listing every such field", () => {
    let err: FeatureError | undefined;
    try {
      encodeRows(spec, [{ age: 1 }]);
    } catch (e) {
      err = e as FeatureError;
    }
    expect(err).toBeInstanceOf(FeatureError);
    expect(err?.message).toContain("member, color, note");
    expect(err?.details.map((d) => d.path)).toEqual(["member", "color", "note"]);
  });

  test("wrong types are errors naming the row and field", () => {
    expect(() =>
      encodeRows(spec, [
        { age: 1, member: true, color: "r", note: "" },
        { age: "old", member: true, color: "r", note: "" },
      ]),
    ).toThrow("1.age: expected a finite number");
    expect(() => encodeRows(spec, [{ age: 1, member: "maybe", color: "r", note: "" }])).toThrow(
      "0.member: expected true or false",
    );
  });

  test("a constant numeric column is left unscaled rather than divided by zero", () => {
    const s = inferSpec([{ c: 5 }, { c: 5 }], ["c"], { c: "numeric" });
    const x = encodeRows(s, [{ c: 7 }]);
    expect(x[0]).toBe(2);
    expect(Number.isFinite(x[0])).toBe(true);
  });
});
