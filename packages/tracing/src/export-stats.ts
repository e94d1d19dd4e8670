import { diag } from '@opentelemetry/api';

/** Spans this process has handed to the collector, lost to export errors, or dropped on a full queue. */
export interface ExportStats {
  readonly exported: number;
  readonly failed: number;
  readonly dropped: number;
}

/**
 * Running span counts, plus the one summary line that reports losses: a dead
 * collector must not print a line per batch (or per span) into the logs.
 */
export class ExportCounters {
  exported = 0;
  failed = 0;
  dropped = 0;
  /** Spans waiting in the batch processor's queue, as DropCountingProcessor mirrors it. */
  queued = 0;
  /** Spans handed to the exporter whose request has not finished yet. */
  inFlight = 0;
  /** Set once shutdown has given up: answers arriving later are not counted twice. */
  abandoned = false;
  private reported = { failed: 0, dropped: 0 };
  private timer: NodeJS.Timeout | undefined;
  private lastError = '';

  snapshot(): ExportStats {
    return { exported: this.exported, failed: this.failed, dropped: this.dropped };
  }

  /** Remembers the latest export error, for the next summary line. */
  noteError(error: Error | undefined): void {
    if (error) this.lastError = error.message;
  }

  /** Counts every span still queued or in flight as failed: nothing will deliver them now. */
  abandon(reason: string): void {
    if (this.abandoned) return;
    this.abandoned = true;
    const lost = this.queued + this.inFlight;
    if (lost === 0) return;
    this.failed += lost;
    this.queued = 0;
    this.inFlight = 0;
    this.lastError = reason;
  }

  /** Logs a summary every intervalMs, only when spans were lost since the last one. The timer never keeps the process alive. */
  startReporting(intervalMs: number): void {
    this.timer ??= setInterval(() => this.report(), intervalMs).unref();
  }

  /** Stops the timer and logs whatever was lost since the last summary. */
  stopReporting(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.report();
  }

  report(): void {
    const failed = this.failed - this.reported.failed;
    const dropped = this.dropped - this.reported.dropped;
    if (failed === 0 && dropped === 0) return;
    this.reported = { failed: this.failed, dropped: this.dropped };
    diag.warn(
      `span export losses: ${failed} failed, ${dropped} dropped since the last report` +
        ` (totals: ${this.exported} exported, ${this.failed} failed, ${this.dropped} dropped)`,
      this.lastError ? `last error: ${this.lastError}` : '',
    );
  }
}

/**
 * The counts as counters, for an app to register with its own metrics library
 * (this package depends on none): Prometheus-style names, help text, and how
 * to read each from exportStats(). A trace missing in Jaeger shows up here as
 * a failed export or a full queue.
 */
export const SPAN_EXPORT_COUNTERS = [
  { name: 'spans_exported_total', help: 'Spans the collector accepted.', read: (s: ExportStats) => s.exported },
  {
    name: 'spans_export_failed_total',
    help: 'Spans lost to failed or timed-out exports.',
    read: (s: ExportStats) => s.failed,
  },
  {
    name: 'spans_dropped_total',
    help: 'Spans dropped because the export queue was full.',
    read: (s: ExportStats) => s.dropped,
  },
] as const;
