import { MeshtraceError } from '@meshtrace/tracing/settings';

/** The services' own error, under the repository's one root (@meshtrace/tracing's errors.ts). */

/** Shutdown did not finish within its deadline; the process exits non-zero. */
export class ShutdownTimeoutError extends MeshtraceError {
  constructor(timeoutMs: number, step: string) {
    super('MTR_ERR_SHUTDOWN_TIMEOUT', `shutdown did not finish within ${timeoutMs} ms (stuck in: ${step})`);
  }
}
