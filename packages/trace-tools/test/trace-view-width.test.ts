import { describe, expect, it } from 'vitest';
import { stripAnsi } from '../src/ansi.ts';
import { terminalColumns, wrapWords } from '../src/fit-width.ts';
import { renderTrace } from '../src/render-trace.ts';
import { analyzeTrace, type TraceAnalysis } from '../src/trace-analysis.ts';
import { localChain, meshChain, span } from './helpers/fixtures.ts';

/**
 * The trace view fits the terminal: the timeline shrinks first (and is dropped below 8
 * columns), then names are cut with `…`, and reasons wrap at spaces under their own indent.
 * Literal output at 60, 80 and 120 columns.
 */

const expectChain = ['frontend', 'backend', 'backend-2'];
/** The frontend → backend part of the chain only: what --propagation-off makes. */
const brokenLocal = analyzeTrace(localChain.slice(0, 4), { expect: expectChain });
const mesh = analyzeTrace(meshChain, { expect: expectChain, mesh: true });
const render = (analysis: TraceAnalysis, columns: number) => renderTrace(analysis, { columns });

const CASES: readonly (readonly [string, TraceAnalysis, number, readonly string[]])[] = [
  [
    'a broken trace at 60 columns',
    brokenLocal,
    60,
    [
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      '  span          service   kind       duration  status',
      '  loop tick     frontend  INTERNAL    20.0 ms  ok',
      '  └─ GET        frontend  CLIENT      18.0 ms  ok',
      '     └─ GET /*  backend   SERVER      12.0 ms  ok',
      '        └─ GET  backend   CLIENT       9.0 ms  ok',
      '  ✘ broken · services frontend, backend · 4 spans · 20.0 ms',
      '    ↳ no span from backend-2',
      '    ↳ nothing continues backend "GET" (CLIENT): the callee',
      '      started a new trace or reported nothing (its caller',
      '      sent no context, or the call failed)',
    ],
  ],
  [
    'a mesh trace at 60 columns',
    mesh,
    60,
    [
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      '  span        service            kind       duration  status',
      '  loop tick   frontend           INTERNAL    30.0 ms  ok',
      '  └─ GET      frontend           CLIENT      28.0 ms  ok',
      '  …└─ backe…  frontend.default   CLIENT      26.0 ms  ok',
      '  …└─ backe…  backend.default    SERVER      24.0 ms  ok',
      '  …└─ GET /*  backend            SERVER      22.0 ms  ok',
      '  …└─ GET     backend            CLIENT      18.0 ms  ok',
      '  …└─ backe…  backend.default    CLIENT      16.0 ms  ok',
      '  …└─ backe…  backend-2.default  SERVER      14.0 ms  ok',
      '  …└─ GET /*  backend-2          SERVER      12.0 ms  ok',
      '  ✔ joined · services frontend, frontend.default,',
      '    backend.default, backend, backend-2.default, backend-2 ·',
      '    9 spans · 30.0 ms',
    ],
  ],
  [
    'a broken trace at 80 columns',
    brokenLocal,
    80,
    [
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      '  span          service   kind       duration  status  timeline',
      '  loop tick     frontend  INTERNAL    20.0 ms  ok      ████████████████████████',
      '  └─ GET        frontend  CLIENT      18.0 ms  ok       ██████████████████████',
      '     └─ GET /*  backend   SERVER      12.0 ms  ok         ██████████████',
      '        └─ GET  backend   CLIENT       9.0 ms  ok          ███████████',
      '  ✘ broken · services frontend, backend · 4 spans · 20.0 ms',
      '    ↳ no span from backend-2',
      '    ↳ nothing continues backend "GET" (CLIENT): the callee started a new trace',
      '      or reported nothing (its caller sent no context, or the call failed)',
    ],
  ],
  [
    'a mesh trace at 80 columns',
    mesh,
    80,
    [
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      '  span                            service            kind       duration  status',
      '  loop tick                       frontend           INTERNAL    30.0 ms  ok',
      '  └─ GET                          frontend           CLIENT      28.0 ms  ok',
      '     └─ backend.default.svc.clu…  frontend.default   CLIENT      26.0 ms  ok',
      '        └─ backend.default.svc.…  backend.default    SERVER      24.0 ms  ok',
      '           └─ GET /*              backend            SERVER      22.0 ms  ok',
      '              └─ GET              backend            CLIENT      18.0 ms  ok',
      '                 └─ backend-2.d…  backend.default    CLIENT      16.0 ms  ok',
      '                    └─ backend-…  backend-2.default  SERVER      14.0 ms  ok',
      '                       └─ GET /*  backend-2          SERVER      12.0 ms  ok',
      '  ✔ joined · services frontend, frontend.default, backend.default, backend,',
      '    backend-2.default, backend-2 · 9 spans · 30.0 ms',
    ],
  ],
  [
    'a broken trace at 120 columns',
    brokenLocal,
    120,
    [
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      '  span          service   kind       duration  status  timeline',
      '  loop tick     frontend  INTERNAL    20.0 ms  ok      ████████████████████████',
      '  └─ GET        frontend  CLIENT      18.0 ms  ok       ██████████████████████',
      '     └─ GET /*  backend   SERVER      12.0 ms  ok         ██████████████',
      '        └─ GET  backend   CLIENT       9.0 ms  ok          ███████████',
      '  ✘ broken · services frontend, backend · 4 spans · 20.0 ms',
      '    ↳ no span from backend-2',
      '    ↳ nothing continues backend "GET" (CLIENT): the callee started a new trace or reported nothing (its caller sent no',
      '      context, or the call failed)',
    ],
  ],
  [
    'a mesh trace at 120 columns',
    mesh,
    120,
    [
      'trace 4bf92f3577b34da6a3ce929d0e0e4736',
      '  span                                                             service            kind       duration  status',
      '  loop tick                                                        frontend           INTERNAL    30.0 ms  ok',
      '  └─ GET                                                           frontend           CLIENT      28.0 ms  ok',
      '     └─ backend.default.svc.cluster.local:5678/*                   frontend.default   CLIENT      26.0 ms  ok',
      '        └─ backend.default.svc.cluster.local:5678/*                backend.default    SERVER      24.0 ms  ok',
      '           └─ GET /*                                               backend            SERVER      22.0 ms  ok',
      '              └─ GET                                               backend            CLIENT      18.0 ms  ok',
      '                 └─ backend-2.default.svc.cluster.local:5678/*     backend.default    CLIENT      16.0 ms  ok',
      '                    └─ backend-2.default.svc.cluster.local:5678/*  backend-2.default  SERVER      14.0 ms  ok',
      '                       └─ GET /*                                   backend-2          SERVER      12.0 ms  ok',
      '  ✔ joined · services frontend, frontend.default, backend.default, backend, backend-2.default, backend-2 · 9 spans ·',
      '    30.0 ms',
    ],
  ],
];

describe('the trace view at 60, 80 and 120 columns', () => {
  it.each(CASES)('%s', (_title, analysis, columns, lines) => {
    expect(render(analysis, columns)).toBe(lines.join('\n'));
  });

  it('never draws a line wider than the terminal, even for a chain of 9 backends', () => {
    const services = ['frontend', 'backend', ...Array.from({ length: 8 }, (_, i) => `backend-${i + 2}`)];
    const chain = services.flatMap((service, i) => {
      const server = span(
        `00000000000001${i.toString(16).padStart(2, '0')}`,
        i ? `00000000000002${(i - 1).toString(16).padStart(2, '0')}` : undefined,
        service,
        i ? 'GET /*' : 'loop tick',
        i ? 'SERVER' : 'INTERNAL',
        i,
        40 - i,
      );
      const client = span(
        `00000000000002${i.toString(16).padStart(2, '0')}`,
        server.spanId,
        service,
        'GET',
        'CLIENT',
        i,
        39 - i,
      );
      return i === services.length - 1 ? [server] : [server, client];
    });
    for (const columns of [60, 80, 120]) {
      const text = render(analyzeTrace(chain, { expect: services }), columns);
      for (const line of stripAnsi(text).split('\n')) expect(line.length, line).toBeLessThanOrEqual(columns);
      expect(text).toContain('backend-9');
    }
  });

  it('reads the terminal width, 80 when there is none', () => {
    expect(terminalColumns({ columns: 132 })).toBe(132);
    expect(terminalColumns({})).toBe(80);
    expect(terminalColumns({ columns: 0 })).toBe(80);
  });

  it('wraps at spaces with the same indent, and cuts only a word longer than a line', () => {
    expect(wrapWords('one two three four', 12, '  ↳ ', '    ')).toBe('  ↳ one two\n    three\n    four');
    expect(wrapWords('a http://a-very-long-url/path', 16, '', '  ')).toBe('a\n  http://a-very…');
  });
});
