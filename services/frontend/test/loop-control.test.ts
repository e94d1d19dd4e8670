import { describe, expect, it } from 'vitest';
import { parseKeyValues } from '../src/key-values.ts';
import { parseLoopCommand } from '../src/loop-control.ts';
import { LoopStats } from '../src/loop-stats.ts';

describe('POST /loop bodies', () => {
  it('accepts pause, resume and a rate', () => {
    expect(parseLoopCommand({ action: 'pause' })).toEqual({ ok: true, command: { action: 'pause' } });
    expect(parseLoopCommand({ action: 'resume', rate: 2.5 })).toEqual({
      ok: true,
      command: { action: 'resume', rate: 2.5 },
    });
  });

  it.each([
    [null, /expected a JSON object/],
    [{}, /expected action or rate/],
    [{ action: 'faster' }, /action="faster": expected "pause" or "resume"/],
    [{ rate: 0 }, /rate=0: expected a number above 0/],
    [{ rate: '5' }, /rate="5"/],
    [{ speed: 1 }, /unknown field speed/],
  ])('refuses %j with a reason', (body, reason) => {
    const parsed = parseLoopCommand(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('LOOP_BAGGAGE and LOOP_HEADERS', () => {
  it('reads key=value pairs in order', () => {
    expect(parseKeyValues('tenant=blue, plan = free ,')).toEqual([
      ['tenant', 'blue'],
      ['plan', 'free'],
    ]);
    expect(parseKeyValues('')).toEqual([]);
  });

  it.each(['novalue', 'bad key=1', '=1'])('rejects %j', (text) => {
    expect(parseKeyValues(text)).toBeUndefined();
  });
});

describe('loop stats', () => {
  it('counts outcomes, keeps the last error, and reports p50 and p99 latency', () => {
    const stats = new LoopStats();
    for (let ms = 1; ms <= 100; ms++) {
      stats.recordSent();
      stats.record(ms % 10 === 0 ? { ok: false, durationMs: ms, error: '503' } : { ok: true, durationMs: ms });
    }
    stats.recordSkipped(3);
    expect(stats.snapshot()).toEqual({
      sent: 100,
      ok: 90,
      failed: 10,
      skipped: 3,
      last_error: '503',
      latency_ms: { p50: 50, p99: 99 },
      recent_ticks: [],
    });
  });

  it('keeps the last 20 ticks, newest first, for the page', () => {
    const stats = new LoopStats();
    for (let n = 1; n <= 25; n++) {
      const tick = { at: `t${n}`, trace_id: `${n}`, status: 200, duration_ms: n, chain: 'joined' as const };
      stats.record({ ok: true, durationMs: n, tick });
    }
    const recent = stats.snapshot().recent_ticks;
    expect(recent.map((tick) => tick.trace_id)).toEqual(Array.from({ length: 20 }, (_, i) => `${25 - i}`));
  });

  it('reports no latency before the first answer', () => {
    expect(new LoopStats().snapshot().latency_ms).toEqual({ p50: null, p99: null });
  });
});
