/**
 * The start-up entry: `node --import @meshtrace/tracing/register dist/server.js`.
 * It runs before any application module is loaded, so the SDK and propagators
 * are in place when the app starts (the await holds the app back until then).
 * This is where OTEL_* is read, once: invalid variables stop the process here,
 * one line each; OTEL_SDK_DISABLED=true starts nothing; the service identity is
 * resolved here and kept (serviceIdentity() in sdk.ts).
 */
import { startTracing } from './sdk.ts';
import { loadTracingSettings, MeshtraceError } from './settings.ts';

try {
  await startTracing(loadTracingSettings(process.env, process.argv[1]));
} catch (error) {
  process.stderr.write(
    `${error instanceof MeshtraceError ? error.message : `tracing start-up failed: ${String(error)}`}\n`,
  );
  process.exit(1);
}
