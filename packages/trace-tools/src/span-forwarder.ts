import type { ZipkinSpan } from '@meshtrace/harness';
import { request } from 'undici';

/** A forward that takes longer than this is abandoned: the demo never waits on a slow collector. */
const FORWARD_TIMEOUT_MS = 3_000;

export interface ForwardState {
  readonly ok: boolean;
  /** Why the last POST failed, e.g. "ECONNREFUSED" or "HTTP 404". */
  readonly reason?: string;
}

export interface SpanForwarder {
  /** POSTs the batch as it arrived. Never throws; failures go to `onChange`. */
  forward(batch: readonly ZipkinSpan[]): void;
  readonly sent: number;
  readonly failed: number;
  /** Waits for POSTs in flight (each is bounded by its own timeout). */
  close(): Promise<void>;
}

/**
 * Re-POSTs every batch the demo receives to a real Zipkin or Jaeger
 * (`…:9411/api/v2/spans`), so the same traces can be opened in its UI. A dead
 * target must not break the demo: failures are counted, and `onChange` is
 * called only when the target goes from working to failing or back, so a
 * down collector prints one line, not one per batch.
 */
export function createSpanForwarder(url: string, onChange: (state: ForwardState) => void): SpanForwarder {
  let sent = 0;
  let failed = 0;
  let healthy: boolean | undefined;
  const inFlight = new Set<Promise<void>>();

  const report = (state: ForwardState) => {
    if (healthy === state.ok) return;
    healthy = state.ok;
    onChange(state);
  };

  const post = async (batch: readonly ZipkinSpan[]) => {
    try {
      const { statusCode, body } = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      await body.dump();
      if (statusCode >= 200 && statusCode < 300) {
        sent += batch.length;
        report({ ok: true });
      } else {
        failed += batch.length;
        report({ ok: false, reason: `HTTP ${statusCode}` });
      }
    } catch (error) {
      failed += batch.length;
      const { code, message } = error as { code?: string; message?: string };
      report({ ok: false, reason: code ?? message ?? String(error) });
    }
  };

  return {
    forward(batch) {
      const pending = post(batch);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    },
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
    async close() {
      await Promise.all(inFlight);
    },
  };
}
