import { ShutdownTimeoutError } from './errors.ts';
import type { Logger } from './logger.ts';

/** One step of an ordered shutdown, e.g. "stop accepting requests" or "flush spans". */
export interface ShutdownStep {
  readonly name: string;
  readonly run: () => unknown;
}

export type ShutdownResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/**
 * Runs the steps one after another under a single deadline. A step that throws
 * is logged and the next one still runs (spans should flush even if the server
 * failed to close); running out of time stops waiting and reports the stuck step.
 */
export async function shutdownInOrder(
  steps: readonly ShutdownStep[],
  options: { readonly timeoutMs: number; readonly log: Logger },
): Promise<ShutdownResult> {
  let current = 'start';
  let failure: Error | undefined;
  const run = async () => {
    for (const step of steps) {
      current = step.name;
      try {
        await step.run();
        options.log.debug({ step: step.name }, 'shutdown step done');
      } catch (error) {
        failure ??= error as Error;
        options.log.error({ step: step.name, err: error }, 'shutdown step failed');
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  const outcome = await Promise.race([run(), deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') return { ok: false, error: new ShutdownTimeoutError(options.timeoutMs, current) };
  return failure ? { ok: false, error: failure } : { ok: true };
}
