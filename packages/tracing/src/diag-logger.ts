import { type DiagLogger, DiagLogLevel } from '@opentelemetry/api';

const LEVELS: Readonly<Record<string, DiagLogLevel>> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

export function diagLevel(name: string): DiagLogLevel {
  return LEVELS[name] ?? DiagLogLevel.WARN;
}

function writer(level: string) {
  return (message: string, ...args: unknown[]) => {
    const detail = args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ');
    const line = { level, time: new Date().toISOString(), component: 'opentelemetry', msg: message, detail };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
}

/**
 * The SDK's own diagnostics as JSON lines on stderr, so a failed export (the
 * Zipkin exporter is silent otherwise) shows up next to the service's logs.
 */
export const jsonDiagLogger: DiagLogger = {
  error: writer('error'),
  warn: writer('warn'),
  info: writer('info'),
  debug: writer('debug'),
  verbose: writer('trace'),
};
