import { Counter, type Registry } from 'prom-client';
import type { LoopStats } from './loop-stats.ts';

/** A counter read from the loop's own stats at scrape time, so ticks are counted once. */
function statCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** `loop_ticks_{sent,ok,failed,skipped}_total`: what `GET /loop` reports, for Prometheus. */
export function registerLoopMetrics(registry: Registry, stats: LoopStats): void {
  statCounter(registry, 'loop_ticks_sent_total', 'Loop ticks that sent a request.', () => stats.sent);
  statCounter(registry, 'loop_ticks_ok_total', 'Loop ticks answered below 400.', () => stats.ok);
  statCounter(
    registry,
    'loop_ticks_failed_total',
    'Loop ticks that failed: 4xx, 5xx, timeout or connection.',
    () => stats.failed,
  );
  statCounter(
    registry,
    'loop_ticks_skipped_total',
    'Loop ticks not sent: LOOP_CONCURRENCY was full, or the process stalled past them.',
    () => stats.skipped,
  );
}
