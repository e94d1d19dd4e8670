import { ShutdownTimeoutError } from './errors.ts';
import type { Logger } from './logger.ts';

/** One step of an ordered shutdown, e.g. "stop accepting requests" or "flush spans". */
export interface ShutdownStep {
  readonly name: string;
  /**
   * `deadline` aborts when this step must stop waiting: for a step that is not best-effort, when
   * the drain's share of the budget is used up (it should then cut short what it waits for: close
   * the connections still open, destroy the client pool); for a best-effort step, at the end of
   * the budget. What it resolves with (e.g. the span counts) is logged on the step's line.
   */
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
 * The share of the budget the steps before the best-effort ones may use. Past it they are told to
 * cut short, so the span flush that follows always has the last quarter: a request still running
 * at three quarters costs its connection, not the spans of every request served before it.
 */
const DRAIN_SHARE = 0.75;

/**
 * Runs the steps one after another under a single deadline (`timeoutMs`). A step that throws is
 * logged and the next one still runs (spans should flush even if the server failed to close).
 * Steps that are not best-effort are told to cut short at three quarters of the budget, and the
 * steps after them still run. Only a step that throws, or one that ignores being told and is
 * still running at the end of the budget, makes the result not ok.
 */
export async function shutdownInOrder(
  steps: readonly ShutdownStep[],
  options: { readonly timeoutMs: number; readonly log: Logger },
): Promise<ShutdownResult> {
  const { log, timeoutMs } = options;
  let current = 0;
  let failure: Error | undefined;
  const cut = new AbortController();
  const end = new AbortController();
  const cutTimer = setTimeout(() => {
    log.warn({ step: steps[current]?.name }, 'shutdown: draining took too long, closing what is still open');
    cut.abort();
  }, timeoutMs * DRAIN_SHARE);
  const ended = new Promise<'end'>((resolve) => {
    const endTimer = setTimeout(() => {
      end.abort(new ShutdownTimeoutError(timeoutMs, steps[current]?.name ?? 'end'));
      resolve('end');
    }, timeoutMs);
    // Once every step is done, nothing is left to wait for.
    end.signal.addEventListener('abort', () => clearTimeout(endTimer), { once: true });
  });

  for (const step of steps) {
    const signal = step.bestEffort ? end.signal : cut.signal;
    const run = (async () => step.run(signal))();
    if (end.signal.aborted) {
      // Out of time: the step is still told (a span flush then reports its losses at once), not awaited.
      run.catch(() => {});
      log.warn({ step: step.name }, 'shutdown step skipped: deadline passed');
      continue;
    }
    const started = performance.now();
    const outcome = await Promise.race([
      run.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
      ended,
    ]);
    const fields = { step: step.name, duration_ms: Math.round(performance.now() - started) };
    if (outcome === 'end') {
      // A rejection after the deadline has nowhere to go.
      run.catch(() => {});
      if (step.bestEffort) log.warn(fields, 'shutdown deadline reached: best-effort step cut short');
      else {
        failure ??= end.signal.reason as Error;
        log.error(fields, 'shutdown step still running at the deadline');
      }
    } else if ('error' in outcome) {
      if (step.bestEffort) log.warn({ ...fields, err: outcome.error }, 'best-effort shutdown step failed');
      else {
        failure ??= outcome.error as Error;
        log.error({ ...fields, err: outcome.error }, 'shutdown step failed');
      }
    } else {
      log.info(outcome.result === undefined ? fields : { ...fields, result: outcome.result }, 'shutdown step done');
    }
    current++;
  }
  clearTimeout(cutTimer);
  if (!end.signal.aborted) end.abort();
  return failure ? { ok: false, error: failure } : { ok: true };
}
