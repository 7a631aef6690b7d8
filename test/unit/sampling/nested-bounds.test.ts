/**
 * Bounding regions: the enclosing ellipsoid, the multi-ellipsoid decomposition and uniform sampling
 * from a union of overlapping ellipsoids, checked against exact geometry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../lib/random.ts';
import { buildBound, EllipsoidUnion } from '../../../lib/sampling/nested/bound.ts';
import { decomposeIntoEllipsoids } from '../../../lib/sampling/nested/decompose.ts';
import { Ellipsoid, fitEllipsoid } from '../../../lib/sampling/nested/ellipsoid.ts';

function discPoints(rng: Rng, n: number, cx: number, cy: number, r: number): number[] {
  const out: number[] = [];
  while (out.length < 2 * n) {
    const x = 2 * rng.uniform() - 1;
    const y = 2 * rng.uniform() - 1;
    if (x * x + y * y <= 1) out.push(cx + r * x, cy + r * y);
  }
  return out;
}

function circle(cx: number, cy: number, r: number): Ellipsoid {
  return new Ellipsoid(2, Float64Array.of(cx, cy), Float64Array.of(r, 0, 0, r));
}

describe('ellipsoids', () => {
  it('volume is V_d·det L (a ball of radius 0.3 in 3-D: 4π/3·0.027)', () => {
    const e = new Ellipsoid(3, new Float64Array(3), Float64Array.of(0.3, 0, 0, 0, 0.3, 0, 0, 0, 0.3));
    assert.ok(Math.abs(e.logVolume - Math.log((4 / 3) * Math.PI * 0.027)) < 1e-12);
  });

  it('the fitted ellipsoid encloses every point and samples fill it uniformly', () => {
    const rng = Rng.fromSeed(1);
    const d = 3;
    const points = new Float64Array(300 * d);
    for (let i = 0; i < points.length; i++) points[i] = rng.normal() * (1 + (i % d));
    const e = fitEllipsoid(points, d);
    for (let i = 0; i < 300; i++) assert.ok(e.contains(points, i * d));
    // Uniform in a 3-D ellipsoid: P(Mahalanobis radius < 1/2) = 1/8.
    const out = new Float64Array(d);
    let inner = 0;
    const n = 40000;
    for (let i = 0; i < n; i++) if (e.distance2(e.sampleInto(rng, out)) < 0.25) inner++;
    assert.ok(Math.abs(inner / n - 0.125) < 4 * Math.sqrt((0.125 * 0.875) / n), `inner fraction ${inner / n}`);
  });
});

describe('multi-ellipsoid decomposition', () => {
  it('one ellipsoid for one disc, two for two separated discs, each enclosing its cluster', () => {
    const rng = Rng.fromSeed(2);
    const one = Float64Array.from(discPoints(rng, 400, 0.5, 0.5, 0.2));
    assert.equal(decomposeIntoEllipsoids(one, 400, 2, Math.log(0.12 / 400)).length, 1);

    const two = Float64Array.from([...discPoints(rng, 200, 0.25, 0.5, 0.1), ...discPoints(rng, 200, 0.75, 0.5, 0.1)]);
    const parts = decomposeIntoEllipsoids(two, 400, 2, Math.log(0.063 / 400));
    assert.equal(parts.length, 2);
    assert.deepEqual(parts.map((p) => p.npoints).sort(), [200, 200]);
    for (const { ellipsoid } of parts) {
      const cx = ellipsoid.centre[0];
      assert.ok(Math.abs(cx - 0.25) < 0.02 || Math.abs(cx - 0.75) < 0.02, `centre ${cx}`);
      assert.ok(ellipsoid.logVolume < Math.log(Math.PI * 0.01 * 1.3), 'each ellipsoid hugs its disc');
    }
  });

  it('a ring is cut into many ellipsoids whose union is far smaller than one ellipsoid', () => {
    const rng = Rng.fromSeed(3);
    const ring: number[] = [];
    while (ring.length < 1000) {
      const angle = 2 * Math.PI * rng.uniform();
      const r = 0.3 + 0.02 * rng.uniform();
      ring.push(0.5 + r * Math.cos(angle), 0.5 + r * Math.sin(angle));
    }
    const bound = buildBound('multi', Float64Array.from(ring), 2, Math.log(2 * Math.PI * 0.3 * 0.02), 1);
    const single = buildBound('single', Float64Array.from(ring), 2, 0, 1);
    assert.ok(bound.size >= 8, `${bound.size} ellipsoids`);
    assert.ok(bound.logVolume < single.logVolume - 1, `union ${Math.exp(bound.logVolume)} vs single ${Math.exp(single.logVolume)}`);
  });
});

describe('uniform sampling from a union of ellipsoids', () => {
  it('overlapping circles: the lens gets exactly its share of the union area', () => {
    const r = 0.2;
    const sep = 0.2;
    const union = new EllipsoidUnion(2, [circle(0.4, 0.5, r), circle(0.4 + sep, 0.5, r)]);
    const lens = 2 * r * r * Math.acos(sep / (2 * r)) - (sep / 2) * Math.sqrt(4 * r * r - sep * sep);
    const expected = lens / (2 * Math.PI * r * r - lens);
    const rng = Rng.fromSeed(4);
    const out = new Float64Array(2);
    let inLens = 0;
    const n = 60000;
    for (let i = 0; i < n; i++) {
      union.sampleInto(rng, out);
      if (union.ellipsoids.every((e) => e.contains(out))) inLens++;
    }
    assert.ok(Math.abs(inLens / n - expected) < 4 * Math.sqrt((expected * (1 - expected)) / n), `lens fraction ${inLens / n} vs ${expected}`);
  });

  it('never returns a point outside the unit cube, also when the union overhangs it', () => {
    const union = new EllipsoidUnion(2, [circle(0.05, 0.05, 0.3)]);
    const rng = Rng.fromSeed(5);
    const out = new Float64Array(2);
    for (let i = 0; i < 5000; i++) {
      union.sampleInto(rng, out);
      assert.ok(out[0] >= 0 && out[0] <= 1 && out[1] >= 0 && out[1] <= 1);
    }
  });
});
