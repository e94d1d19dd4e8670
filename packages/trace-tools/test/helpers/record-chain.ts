import { startZipkinReceiver, type ZipkinSpan } from '@meshtrace/harness';
import { type ChainOptions, startChain } from '../../src/demo-chain.ts';

/** Distinct trace ids among the spans that match. */
export function tracesWith(spans: readonly ZipkinSpan[], match: (span: ZipkinSpan) => boolean): Set<string> {
  return new Set(spans.filter(match).map((s) => s.traceId));
}

/**
 * Runs the real chain against a real Zipkin endpoint until `enough` holds,
 * stops it (every child flushes its spans on SIGTERM) and returns what the
 * services exported.
 */
export async function recordChain(
  options: Omit<ChainOptions, 'zipkinUrl'>,
  enough: (spans: readonly ZipkinSpan[]) => boolean,
): Promise<readonly ZipkinSpan[]> {
  const receiver = await startZipkinReceiver();
  try {
    const chain = await startChain({ ...options, zipkinUrl: receiver.url });
    try {
      // Generous: the deadline only names what never arrived; the event ends the wait.
      await receiver.waitFor(enough, 30_000);
    } finally {
      await chain.stop();
    }
    return [...receiver.spans];
  } finally {
    await receiver.close();
  }
}
