/**
 * The benchmarks' load: one autocannon run of a variant's request (in this
 * process, which the bench pins to its own CPU when it can), reduced to what
 * the bench reads. No per-response listener: it would cost the load generator
 * CPU on every response.
 */
import { createRequire } from 'node:module';
import type { Variant } from './variants.ts';

/** Connections kept open, no pipelining: enough to keep one server core busy. */
export const CONNECTIONS = 32;
/** Seconds of unmeasured load before measuring: the JIT has then compiled the request path. */
export const WARMUP_SECONDS = 2;

// What we use of autocannon (it ships no types).
interface AutocannonResult {
  /** Seconds the run actually took. */
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** `total`: responses completed within the run. */
  readonly requests: { readonly total: number };
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  /** Sent in order on each connection, over and over; autocannon builds each request's bytes once. */
  requests?: ReadonlyArray<{ readonly headers: Record<string, string> }>;
}) => PromiseLike<AutocannonResult>;

export interface LoadResult {
  /** Responses completed within the run (any status). */
  readonly answered: number;
  readonly seconds: number;
  /** Errors, timeouts and non-2xx answers. */
  readonly failures: number;
}

/** Sends `variant`'s request to the server at `origin` for `seconds`. */
export async function runLoad(variant: Variant, origin: string, seconds: number): Promise<LoadResult> {
  const result = await autocannon({
    url: origin + variant.path,
    connections: CONNECTIONS,
    duration: seconds,
    ...(variant.cycle
      ? { requests: variant.cycle.map((headers) => ({ headers })) }
      : variant.headers
        ? { headers: variant.headers }
        : {}),
  });
  return {
    answered: result.requests.total,
    seconds: result.duration,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}
