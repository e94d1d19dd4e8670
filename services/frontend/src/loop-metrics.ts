import { counterFrom } from '@meshtrace/service-kit';
import type { Registry } from 'prom-client';
import type { LoopStats } from './loop-stats.ts';

/** `loop_ticks_{sent,ok,failed,skipped}_total`: what `GET /loop` reports, for Prometheus. */
export function registerLoopMetrics(registry: Registry, stats: LoopStats): void {
  counterFrom(registry, 'loop_ticks_sent_total', 'Loop ticks that sent a request.', () => stats.sent);
  counterFrom(registry, 'loop_ticks_ok_total', 'Loop ticks answered below 400.', () => stats.ok);
  counterFrom(
    registry,
    'loop_ticks_failed_total',
    'Loop ticks that failed: 4xx, 5xx, timeout or connection.',
    () => stats.failed,
  );
  counterFrom(
    registry,
    'loop_ticks_skipped_total',
    'Loop ticks not sent: LOOP_CONCURRENCY was full, or the process stalled past them.',
    () => stats.skipped,
  );
}
