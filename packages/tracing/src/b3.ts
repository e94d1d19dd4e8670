import type { TextMapGetter } from '@opentelemetry/api';
import { B3_SINGLE, X_B3_FLAGS, X_B3_SAMPLED, X_B3_SPAN_ID, X_B3_TRACE_ID } from './constants.ts';

/**
 * B3 (https://github.com/openzipkin/b3-propagation, README), read exactly as
 * the spec says. Pure: no OpenTelemetry context, no exceptions.
 * OpenTelemetry's B3 extractor gets several reading rules wrong (a deny without
 * ids is ignored, `X-B3-Flags: 0` reads as "not sampled", repeated headers are
 * read whole, ids are found inside junk), so extraction is done here. Writing
 * is left to `@opentelemetry/propagator-b3` (propagation.ts), which writes
 * correctly once it is told about debug.
 */

/** The spec's four sampling states. */
export type B3Sampling = 'accept' | 'deny' | 'debug' | 'defer';

export interface B3Context {
  /** Absent when only a sampling state arrived ("Sampling state can also be sent on its own"). */
  readonly traceId?: string;
  readonly spanId?: string;
  readonly sampling: B3Sampling;
}

/** 32 or 16 lower-hex characters, the whole value; 16 is left-padded to 128 bits. */
const TRACE_ID = /^(?:[0-9a-f]{16}){1,2}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
/** `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`, the whole value. */
const SINGLE = /^((?:[0-9a-f]{16}){1,2})-([0-9a-f]{16})(?:-([01d])(?:-[0-9a-f]{16})?)?$/;
const ALL_ZEROS = /^0+$/;

/** `1` accept, `0` deny, `d` debug: the single header's sampling state. */
const SINGLE_STATES: Readonly<Record<string, B3Sampling>> = { '1': 'accept', '0': 'deny', d: 'debug' };
/**
 * `X-B3-Sampled`. "While you shouldn't encode X-B3-Sampled as true or false, a
 * lenient implementation may accept them." This one does, as OpenTelemetry does.
 */
const SAMPLED_VALUES: Readonly<Record<string, B3Sampling>> = {
  '1': 'accept',
  '0': 'deny',
  true: 'accept',
  True: 'accept',
  false: 'deny',
  False: 'deny',
};

/**
 * "When extracting state headers, the first value wins." Node joins a repeated
 * header into one string with ", ", so the first value ends at the first comma.
 */
function firstValue(carrier: unknown, getter: TextMapGetter, name: string): string | undefined {
  const raw = getter.get(carrier, name);
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  const first = (comma === -1 ? value : value.slice(0, comma)).trim();
  return first === '' ? undefined : first;
}

function validIds(traceId: string | undefined, spanId: string | undefined): boolean {
  return (
    traceId !== undefined &&
    spanId !== undefined &&
    TRACE_ID.test(traceId) &&
    SPAN_ID.test(spanId) &&
    !ALL_ZEROS.test(traceId) &&
    !ALL_ZEROS.test(spanId)
  );
}

const to128 = (traceId: string) => traceId.padStart(32, '0');

function parseSingle(value: string): B3Context | undefined {
  // "A deny decision may omit identifiers and look like this: b3: 0" (and likewise 1 and d).
  const alone = SINGLE_STATES[value];
  if (alone) return { sampling: alone };
  const match = SINGLE.exec(value);
  if (!match || !validIds(match[1], match[2])) return undefined;
  // "Defer is absence of the sampling field."
  return {
    traceId: to128(match[1] as string),
    spanId: match[2] as string,
    sampling: SINGLE_STATES[match[3] ?? ''] ?? 'defer',
  };
}

/** The multi-header encoding (`X-B3-*`), or undefined when it carried nothing we can read. */
export function readB3Multi(carrier: unknown, getter: TextMapGetter): B3Context | undefined {
  const sampled = firstValue(carrier, getter, X_B3_SAMPLED);
  // "Debug is encoded as X-B3-Flags: 1" ... "Absent or any other value can be ignored."
  const debug = firstValue(carrier, getter, X_B3_FLAGS) === '1';
  // "Absent means defer the decision to the receiver of this header."
  const sampling: B3Sampling | undefined = debug ? 'debug' : sampled === undefined ? 'defer' : SAMPLED_VALUES[sampled];
  // An X-B3-Sampled we cannot read (`d`, `yes`) is no decision and no context: a new trace.
  if (sampling === undefined) return undefined;
  const traceId = firstValue(carrier, getter, X_B3_TRACE_ID);
  const spanId = firstValue(carrier, getter, X_B3_SPAN_ID);
  if (validIds(traceId, spanId)) return { traceId: to128(traceId as string), spanId: spanId as string, sampling };
  // "It is also valid to send sampling state independently, such as a deny decision":
  // missing or malformed ids lose the ids, never the decision.
  return sampling === 'defer' ? undefined : { sampling };
}

/** The single header (`b3`), or undefined when it is absent or malformed. */
export function readB3Single(carrier: unknown, getter: TextMapGetter): B3Context | undefined {
  const single = firstValue(carrier, getter, B3_SINGLE);
  return single === undefined ? undefined : parseSingle(single);
}

/**
 * The B3 context a request carried, by B3's own precedence ("The single-header
 * variant takes precedence over the multiple header one when extracting
 * fields"), or undefined when it carried none we can read. The propagator
 * weighs the two encodings by OTEL_PROPAGATORS instead (propagation.ts).
 */
export function readB3(carrier: unknown, getter: TextMapGetter): B3Context | undefined {
  return getter.get(carrier, B3_SINGLE) === undefined ? readB3Multi(carrier, getter) : readB3Single(carrier, getter);
}
