import { type DestinationStream, type Logger, pino } from 'pino';

export interface LoggerSettings {
  readonly level: string;
  readonly service: string;
  readonly version: string;
  /** Fields added to every line, e.g. the active trace context (see `traceLogFields` in @meshtrace/tracing). */
  readonly mixin?: () => object;
  /** Where lines go; stdout unless a test captures them. */
  readonly destination?: DestinationStream;
}

let lastMillis = Number.NaN;
let lastTime = '';

/**
 * pino's `isoTime` output (`,"time":"2026-01-01T00:00:00.000Z"`), formatted
 * once per millisecond: at thousands of lines a second, most lines share one.
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMillis) {
    lastMillis = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** One JSON line per event, with the service and version on every line. */
export function createLogger(settings: LoggerSettings): Logger {
  return pino(
    {
      level: settings.level,
      base: { service: settings.service, version: settings.version },
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(settings.mixin ? { mixin: settings.mixin } : {}),
    },
    settings.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
