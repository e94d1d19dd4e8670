import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why a delay ended: it ran its course, the server began to shut down, or the client went away. */
export type DelayEnd = 'done' | 'shutdown' | 'client';

/**
 * Waits `ms` before an echo answers, unless there is no longer a reason to: the server is
 * shutting down (`shutdown` aborted), or the client closed the connection (`response` closed
 * before it was sent). A delay never holds a socket, a request or the shutdown longer than
 * someone is waiting for it.
 */
export async function cutShortDelay(ms: number, shutdown: AbortSignal, response: ServerResponse): Promise<DelayEnd> {
  if (shutdown.aborted) return 'shutdown';
  const clientGone = new AbortController();
  const onClose = () => clientGone.abort();
  response.once('close', onClose);
  try {
    await sleep(ms, undefined, { signal: AbortSignal.any([shutdown, clientGone.signal]) });
    return 'done';
  } catch {
    return shutdown.aborted ? 'shutdown' : 'client';
  } finally {
    response.off('close', onClose);
  }
}
