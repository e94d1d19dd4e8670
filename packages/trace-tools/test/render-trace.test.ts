import { describe, expect, it } from 'vitest';
import { colors, stripAnsi, wantsColor } from '../src/ansi.ts';
import { formatDuration, renderTotals, renderTrace } from '../src/render-trace.ts';
import { analyzeTrace } from '../src/trace-analysis.ts';
import { localChain, span } from './helpers/fixtures.ts';

const expectChain = { expect: ['frontend', 'backend', 'backend-2'] };

describe('renderTrace', () => {
  it('draws the tree with service, kind, duration, status and a waterfall, then the summary', () => {
    expect(renderTrace(analyzeTrace(localChain, expectChain), { timelineWidth: 10 })).toBe(
      [
        'trace 4bf92f3577b34da6a3ce929d0e0e4736',
        '  span                service    kind       duration  status  timeline',
        '  loop tick           frontend   INTERNAL    20.0 ms  ok      ██████████',
        '  └─ GET              frontend   CLIENT      18.0 ms  ok      █████████',
        '     └─ GET /*        backend    SERVER      12.0 ms  ok       ██████',
        '        └─ GET        backend    CLIENT       9.0 ms  ok        █████',
        '           └─ GET /*  backend-2  SERVER       4.0 ms  ok         ██',
        '  ✔ joined · services frontend, backend, backend-2 · 5 spans · 20.0 ms',
      ].join('\n'),
    );
  });

  it('marks orphans and lists each finding of a broken trace', () => {
    const orphan = span('00000000000000b1', '1234567890abcdef', 'backend', 'GET /*', 'SERVER', 0, 5);
    const text = renderTrace(analyzeTrace([{ ...orphan, status: 'error' }], { expect: ['backend'] }), {
      timelineWidth: 0,
      columns: 200,
    });
    expect(text).toContain('  ⚠ GET /*  backend  SERVER       5.0 ms  error');
    expect(text).toContain('  ✘ broken · services backend · 1 span · 5.0 ms · 1 orphan');
    expect(text).toContain('    ↳ backend "GET /*" (SERVER) names parent 1234567890abcdef that no one reported');
  });

  it("adds a note under the summary where a callee's span outlasts its caller's, the verdict unchanged", () => {
    const late = localChain.map((s) => (s.spanId === '00000000000000c1' ? { ...s, durationUs: 8_000 } : s));
    const text = renderTrace(analyzeTrace(late, expectChain), { timelineWidth: 0, columns: 200 });
    expect(text).toContain(
      '  ✔ joined · services frontend, backend, backend-2 · 5 spans · 20.0 ms\n    note: backend-2',
    );
    expect(text).toContain('note: backend-2 ends 1.0 ms after the CLIENT span that called it');
  });

  it('colours only through the palette: the text is the same without the styles', () => {
    const analysis = analyzeTrace(localChain, expectChain);
    const coloured = renderTrace(analysis, { palette: colors });
    expect(coloured).toContain('\u001b[32m');
    expect(stripAnsi(coloured)).toBe(renderTrace(analysis));
  });

  it('formats durations and the totals line', () => {
    expect([800, 12_340, 245_000, 1_270_000].map(formatDuration)).toEqual(['0.8 ms', '12.3 ms', '245 ms', '1.27 s']);
    expect(renderTotals({ traces: 3, joined: 2, broken: 1 })).toBe('traces seen: 3 · joined 2 · broken 1');
  });
});

describe('wantsColor', () => {
  const tty = { isTTY: true, hasColors: () => true };
  it('uses colour on a terminal only', () => {
    expect(wantsColor(tty, {})).toBe(true);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({}, {})).toBe(false);
  });
  it('respects NO_COLOR and FORCE_COLOR', () => {
    expect(wantsColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
  });
});
