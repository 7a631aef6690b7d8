/**
 * Exact JSON for float arrays. JSON numbers round-trip every finite double exactly, but
 * JSON.stringify turns ±∞ and NaN into null and −0 into 0; those few values are written as
 * strings instead ("-Infinity", "Infinity", "NaN", "-0") so a restored checkpoint is bit-identical.
 */
export type JsonFloat = number | string;

export function encodeFloat(x: number): JsonFloat {
  return Number.isFinite(x) && !Object.is(x, -0) ? x : String(x);
}

export function decodeFloat(x: JsonFloat): number {
  return typeof x === 'string' ? Number(x) : x;
}

export function encodeFloats(xs: ArrayLike<number>): JsonFloat[] {
  const out: JsonFloat[] = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = encodeFloat(xs[i]);
  return out;
}

export function decodeFloats(xs: readonly JsonFloat[]): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = decodeFloat(xs[i]);
  return out;
}
