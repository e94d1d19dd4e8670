import { ShutdownTimeoutError } from './errors.ts';
import type { Logger } from './logger.ts';

/** One step of an ordered shutdown, e.g. "stop accepting requests" or "flush spans". */
export interface ShutdownStep {
  readonly name: string;
  /** `deadline` aborts when the shutdown deadline passes while this step is still running. */
  readonly run: (deadline: AbortSignal) => unknown;
  /**
   * A best-effort step (flushing spans to a collector) decides nothing about the
   * outcome: if it fails, or the deadline passes while it runs, it is told through
   * `deadline`, reports what it lost itself (at `warn`), and shutdown still counts
   * as complete. A collector that is down must not turn `docker stop` into exit 1.
   */
  readonly bestEffort?: boolean;
}

export type ShutdownResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/**
 * Runs the steps one after another under a single deadline. A step that throws
 * is logged and the next one still runs (spans should flush even if the server
 * failed to close); running out of time stops waiting and reports the stuck step,
 * unless only best-effort steps were left.
 */
export async function shutdownInOrder(
  steps: readonly ShutdownStep[],
  options: { readonly timeoutMs: number; readonly log: Logger },
): Promise<ShutdownResult> {
  let current = 0;
  let failure: Error | undefined;
  const deadline = new AbortController();
  const run = async () => {
    for (const step of steps) {
      try {
        await step.run(deadline.signal);
        options.log.debug({ step: step.name }, 'shutdown step done');
      } catch (error) {
        if (step.bestEffort) options.log.warn({ step: step.name, err: error }, 'best-effort shutdown step failed');
        else {
          failure ??= error as Error;
          options.log.error({ step: step.name, err: error }, 'shutdown step failed');
        }
      }
      current++;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  const outcome = await Promise.race([run(), expired]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const left = steps.slice(current);
    const error = new ShutdownTimeoutError(options.timeoutMs, left[0]?.name ?? 'end');
    deadline.abort(error);
    if (left.some((step) => !step.bestEffort)) return { ok: false, error };
    options.log.warn({ step: left[0]?.name }, 'shutdown deadline reached: best-effort step cut short');
  }
  return failure ? { ok: false, error: failure } : { ok: true };
}
