/**
 * The start-up entry: `node --import @meshtrace/tracing/register dist/server.js`.
 * It runs before any application module is loaded, so the SDK and propagators
 * are in place when the app starts (the await holds the app back until then).
 * Invalid OTEL_* variables stop the process here, one line each.
 */
import { TracingError } from './errors.ts';
import { startTracing } from './sdk.ts';
import { loadTracingSettings } from './settings.ts';

try {
  await startTracing(loadTracingSettings(process.env, process.argv[1]));
} catch (error) {
  process.stderr.write(
    `${error instanceof TracingError ? error.message : `tracing start-up failed: ${String(error)}`}\n`,
  );
  process.exit(1);
}
