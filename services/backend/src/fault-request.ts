import { type DelayDistribution, pickDelay } from './delay-distribution.ts';

/**
 * Which latency, status and size one echo request gets: the environment's
 * defaults, overridden per request by headers or query parameters. Pure: no
 * Fastify, and the random source is passed in.
 */

/** Per-request overrides; header names as mendhak/http-https-echo reads them, plus a size. */
export const FAULT_HEADERS = {
  /** Wait this many ms before answering (http-https-echo's name). */
  delay: 'x-set-response-delay-ms',
  /** Answer with this status (http-https-echo's name). */
  status: 'x-set-response-status-code',
  /** Pad the answer to this many bytes. */
  size: 'x-set-response-size',
} as const;

/** The same overrides as query parameters, for a browser or a plain curl. A header wins over its query twin. */
export const FAULT_QUERY = { delay: 'delay_ms', status: 'status', size: 'size' } as const;

/** Span attributes that say what was injected, so a trace explains its own latency and errors. */
export const FAULT_ATTRIBUTES = {
  delay: 'meshtrace.fault.delay_ms',
  status: 'meshtrace.fault.injected_status',
  size: 'meshtrace.fault.response_size',
} as const;

export interface FaultDefaults {
  readonly delay: DelayDistribution;
  /** Share of echo requests, 0..1, answered with errorCode. */
  readonly errorRate: number;
  readonly errorCode: number;
  readonly maxDelayMs: number;
  readonly maxResponseSize: number;
}

export interface Fault {
  readonly delayMs: number;
  /** An injected status; undefined leaves the echo's own. */
  readonly status: number | undefined;
  /** Pad the answer to this many bytes; undefined sends it as it is. */
  readonly size: number | undefined;
}

export type FaultDecision =
  | { readonly ok: true; readonly fault: Fault }
  | { readonly ok: false; readonly reason: string };

type Values = Readonly<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

type Read = { value: number | undefined } | { reason: string };

/** Reads one override as an integer in [min, max]; absent is `{ value: undefined }`. */
function readInteger(headers: Values, query: Values, key: keyof typeof FAULT_HEADERS, min: number, max: number): Read {
  const fromHeader = first(headers[FAULT_HEADERS[key]]);
  const name = fromHeader === undefined ? `?${FAULT_QUERY[key]}` : FAULT_HEADERS[key];
  const raw = fromHeader ?? first(query[FAULT_QUERY[key]]);
  if (raw === undefined) return { value: undefined };
  const text = raw.trim();
  if (!/^\d+$/.test(text))
    return { reason: `${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}` };
  const value = Number(text);
  if (value < min || value > max)
    return { reason: `${name}=${text} is out of bounds: expected an integer from ${min} to ${max}` };
  return { value };
}

/**
 * Decides the fault for one request. A bad or out-of-bounds override is a
 * reason for a 400, never a hang or a crash. An explicit delay replaces the
 * DELAY distribution; an explicit status replaces the ERROR_RATE draw.
 */
export function decideFault(
  defaults: FaultDefaults,
  headers: Values,
  query: Values,
  random: () => number,
): FaultDecision {
  const delay = readInteger(headers, query, 'delay', 0, defaults.maxDelayMs);
  if ('reason' in delay) return { ok: false, reason: delay.reason };
  const status = readInteger(headers, query, 'status', 200, 599);
  if ('reason' in status) return { ok: false, reason: status.reason };
  const size = readInteger(headers, query, 'size', 0, defaults.maxResponseSize);
  if ('reason' in size) return { ok: false, reason: size.reason };
  const errored = status.value === undefined && defaults.errorRate > 0 && random() < defaults.errorRate;
  return {
    ok: true,
    fault: {
      delayMs: delay.value ?? pickDelay(defaults.delay, random),
      status: status.value ?? (errored ? defaults.errorCode : undefined),
      size: size.value,
    },
  };
}

/** Pads `body` with trailing spaces to `size` bytes (valid after JSON and text alike); longer bodies go whole. */
export function padBody(body: string, size: number | undefined): string {
  if (size === undefined) return body;
  const missing = size - Buffer.byteLength(body);
  return missing > 0 ? body + ' '.repeat(missing) : body;
}
