/**
 * The benchmarks' load: one autocannon run (in this process, which the bench
 * pins to its own CPU), reduced to what the bench reads. No per-response
 * listener: it would cost the load generator CPU on every response.
 */
import { createRequire } from 'node:module';

// --- what we use of autocannon (it ships no types) ---------------------------

interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly headers?: Record<string, string>;
}

interface AutocannonResult {
  /** Seconds the run actually took. */
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** `total`: responses completed within the run. */
  readonly requests: { readonly total: number };
}

const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: AutocannonOptions,
) => PromiseLike<AutocannonResult>;

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds. */
  readonly duration: number;
  readonly headers?: Record<string, string> | undefined;
}

export interface LoadResult {
  /** Responses completed within the run (any status). */
  readonly answered: number;
  readonly seconds: number;
  /** Errors, timeouts and non-2xx answers. */
  readonly failures: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  return {
    answered: result.requests.total,
    seconds: result.duration,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}
