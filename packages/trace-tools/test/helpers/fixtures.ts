import type { TraceSpan } from '@meshtrace/harness';

/** Literal ids, so a failing assertion names spans a reader can find. */
export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export function span(
  spanId: string,
  parentId: string | undefined,
  service: string,
  name: string,
  kind: TraceSpan['kind'],
  startMs: number,
  durationMs: number,
): TraceSpan {
  return {
    traceId: TRACE_ID,
    spanId,
    ...(parentId ? { parentId } : {}),
    service,
    name,
    kind,
    startUs: 1_795_222_349_000_000 + startMs * 1000,
    durationUs: durationMs * 1000,
    status: 'unset',
  };
}

/** frontend → backend → backend-2, as the local chain reports it. */
export const localChain: TraceSpan[] = [
  span('00000000000000a1', undefined, 'frontend', 'loop tick', 'INTERNAL', 0, 20),
  span('00000000000000a2', '00000000000000a1', 'frontend', 'GET', 'CLIENT', 1, 18),
  span('00000000000000b1', '00000000000000a2', 'backend', 'GET /*', 'SERVER', 3, 12),
  span('00000000000000b2', '00000000000000b1', 'backend', 'GET', 'CLIENT', 4, 9),
  span('00000000000000c1', '00000000000000b2', 'backend-2', 'GET /*', 'SERVER', 6, 4),
];

/**
 * The same chain in Istio: each call passes the caller's sidecar (CLIENT,
 * child of the app's CLIENT span) and the callee's sidecar (SERVER), and
 * the app's SERVER span is the child of its own sidecar's span.
 */
export const meshChain: TraceSpan[] = [
  span('00000000000000a1', undefined, 'frontend', 'loop tick', 'INTERNAL', 0, 30),
  span('00000000000000a2', '00000000000000a1', 'frontend', 'GET', 'CLIENT', 1, 28),
  span(
    '00000000000000e1',
    '00000000000000a2',
    'frontend.default',
    'backend.default.svc.cluster.local:5678/*',
    'CLIENT',
    2,
    26,
  ),
  span(
    '00000000000000e2',
    '00000000000000e1',
    'backend.default',
    'backend.default.svc.cluster.local:5678/*',
    'SERVER',
    3,
    24,
  ),
  span('00000000000000b1', '00000000000000e2', 'backend', 'GET /*', 'SERVER', 4, 22),
  span('00000000000000b2', '00000000000000b1', 'backend', 'GET', 'CLIENT', 5, 18),
  span(
    '00000000000000e3',
    '00000000000000b2',
    'backend.default',
    'backend-2.default.svc.cluster.local:5678/*',
    'CLIENT',
    6,
    16,
  ),
  span(
    '00000000000000e4',
    '00000000000000e3',
    'backend-2.default',
    'backend-2.default.svc.cluster.local:5678/*',
    'SERVER',
    7,
    14,
  ),
  span('00000000000000c1', '00000000000000e4', 'backend-2', 'GET /*', 'SERVER', 8, 12),
];

/**
 * The same chain in Istio's ambient mode: no sidecars; each hop passes one waypoint, whose span
 * sits between the caller's CLIENT span and the callee's SERVER span (service `waypoint.default`).
 */
export const ambientChain: TraceSpan[] = [
  span('00000000000000a1', undefined, 'frontend', 'loop tick', 'INTERNAL', 0, 30),
  span('00000000000000a2', '00000000000000a1', 'frontend', 'GET', 'CLIENT', 1, 28),
  span(
    '00000000000000e1',
    '00000000000000a2',
    'waypoint.default',
    'backend.default.svc.cluster.local:80/*',
    'SERVER',
    2,
    26,
  ),
  span('00000000000000b1', '00000000000000e1', 'backend', 'GET /*', 'SERVER', 4, 22),
  span('00000000000000b2', '00000000000000b1', 'backend', 'GET', 'CLIENT', 5, 18),
  span(
    '00000000000000e3',
    '00000000000000b2',
    'waypoint.default',
    'backend-2.default.svc.cluster.local:80/*',
    'SERVER',
    6,
    16,
  ),
  span('00000000000000c1', '00000000000000e3', 'backend-2', 'GET /*', 'SERVER', 8, 10),
];
