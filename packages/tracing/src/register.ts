/**
 * The start-up entry: `node --import @meshtrace/tracing/register dist/server.js`.
 * It runs before any application module is loaded, so the SDK and propagators
 * are in place when the app starts. An invalid OTEL_* variable stops the
 * process here with one line naming it.
 */
import { exitOnStartupError } from '@meshtrace/service-kit';
import { startTracing } from './sdk.ts';
import { loadTracingSettings } from './settings.ts';

try {
  startTracing(loadTracingSettings(process.env, process.argv[1]));
} catch (error) {
  exitOnStartupError(error);
}
