import { describe, expect, it } from 'vitest';
import { parseTargets, pickTarget } from '../src/targets.ts';

/** A small seeded generator (mulberry32), so the draw is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('TARGETS', () => {
  it('reads URLs with optional weights, keeping a query string whole', () => {
    expect(parseTargets('http://backend:5678/a=3, http://backend:5678/b')).toEqual([
      { url: 'http://backend:5678/a', weight: 3 },
      { url: 'http://backend:5678/b', weight: 1 },
    ]);
    expect(parseTargets('http://b/?x=y=2')).toEqual([{ url: 'http://b/?x=y', weight: 2 }]);
    expect(parseTargets('')).toEqual([]);
  });

  it.each(['backend:5678', 'http://b/=0', 'ftp://b/=1'])('rejects %j', (text) => {
    expect(parseTargets(text)).toBeUndefined();
  });

  it('distributes as weighted, within 2%, over a fixed seed', () => {
    const targets = parseTargets('http://b/a=3,http://b/b=1,http://b/c=6') ?? [];
    const random = seeded(42);
    const counts: Record<string, number> = {};
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const { url } = pickTarget(targets, random);
      counts[url] = (counts[url] ?? 0) + 1;
    }
    expect((counts['http://b/a'] ?? 0) / draws).toBeCloseTo(0.3, 1);
    expect(Math.abs((counts['http://b/a'] ?? 0) / draws - 0.3)).toBeLessThan(0.02);
    expect(Math.abs((counts['http://b/b'] ?? 0) / draws - 0.1)).toBeLessThan(0.02);
    expect(Math.abs((counts['http://b/c'] ?? 0) / draws - 0.6)).toBeLessThan(0.02);
  });

  it('picks by cumulative weight at the edges', () => {
    const targets = [
      { url: 'a', weight: 1 },
      { url: 'b', weight: 3 },
    ];
    expect(pickTarget(targets, () => 0).url).toBe('a');
    expect(pickTarget(targets, () => 0.2499).url).toBe('a');
    expect(pickTarget(targets, () => 0.25).url).toBe('b');
    expect(pickTarget(targets, () => 0.9999).url).toBe('b');
  });
});
