import type { TraceState } from '@opentelemetry/api';

/**
 * W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/), read
 * exactly as the spec and its test suite (w3c/trace-context `test/`, strict
 * level 2) say. Pure: no OpenTelemetry context, no exceptions.
 * OpenTelemetry's W3C propagator keeps only the sampled flag on our spans and
 * drops invalid `tracestate` members one by one, so reading is done here.
 */

export interface Traceparent {
  readonly traceId: string;
  readonly spanId: string;
  /** Only the flags Level 2 defines: sampled (0x01) and random (0x02). */
  readonly flags: number;
}

/** "The sampled flag" and "the random-trace-id flag": "Vendors MUST set those [other flags] to zero." */
const KNOWN_FLAGS = 0x03;
/** `{version}-{trace-id}-{parent-id}-{trace-flags}`, then more fields only in a higher version. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** "All bytes as zero ... is considered an invalid value": the only all-zero ids of the right length. */
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** RFC 9110's OWS: spaces and horizontal tabs only. */
const OWS = /^[ \t]+|[ \t]+$/g;
const isOws = (code: number) => code === 0x20 || code === 0x09;
/** Node strips OWS from header values already: the regex runs only when some is left. */
const trimOws = (value: string) =>
  isOws(value.charCodeAt(0)) || isOws(value.charCodeAt(value.length - 1)) ? value.replace(OWS, '') : value;

/** Node joins repeated headers with ", "; a test's inject() may hand over the array itself. */
const joined = (value: string | readonly string[]): string => (typeof value === 'string' ? value : value.join(','));

/** The incoming `traceparent`, or undefined: then "vendors MUST ignore the traceparent". */
export function readTraceparent(value: string | readonly string[] | undefined): Traceparent | undefined {
  if (value === undefined) return undefined;
  const match = TRACEPARENT.exec(trimOws(joined(value)));
  if (!match) return undefined;
  const [, version = '', traceId = '', spanId = '', flags = '', rest] = match;
  // "Version ff is invalid." Version 00 is exactly 55 characters: nothing may follow its flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) & KNOWN_FLAGS };
}

/**
 * `key = simple-key / multi-tenant-key`:
 * `simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )`,
 * `tenant-id = ( lcalpha / DIGIT ) 0*240( ... )`, `system-id = lcalpha 0*13( ... )`.
 */
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
/** `value = 0*255(chr) nblk-chr`: printable ASCII except `,` and `=`, not ending in a space. */
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
/** "There can be a maximum of 32 list-members in a list." */
const MAX_MEMBERS = 32;

/**
 * The incoming `tracestate` as `key=value` pairs in order, or undefined when it
 * is absent, empty, or invalid anywhere: the strict test suite "expects the
 * tracestate to be discarded" (the whole header) for a bad key or value, a
 * duplicated key ("Only one entry per key is allowed") or a 33rd member.
 * Read only next to a valid traceparent: "If the vendor failed to parse
 * traceparent, it MUST NOT attempt to parse tracestate."
 */
export function readTracestate(value: string | readonly string[] | undefined): Array<[string, string]> | undefined {
  if (value === undefined) return undefined;
  const members: Array<[string, string]> = [];
  const keys = new Set<string>();
  for (const part of joined(value).split(',')) {
    // "Empty and whitespace-only list members are allowed"; OWS around a member is not part of it.
    const member = trimOws(part);
    if (member === '') continue;
    const equals = member.indexOf('=');
    const key = member.slice(0, equals);
    const memberValue = member.slice(equals + 1);
    if (equals === -1 || !KEY.test(key) || !VALUE.test(memberValue) || keys.has(key)) return undefined;
    keys.add(key);
    members.push([key, memberValue]);
    if (members.length > MAX_MEMBERS) return undefined;
  }
  // "Vendors MUST accept empty tracestate headers but SHOULD avoid sending them."
  return members.length === 0 ? undefined : members;
}

/**
 * A validated `tracestate`, carried unchanged on our spans and sent on as it
 * arrived (minus optional whitespace). The mutations keep the spec's order:
 * "Modified keys MUST be moved to the beginning (left) of the list", and a
 * 33rd entry pushes out the right-most one.
 */
export class W3CTraceState implements TraceState {
  readonly #members: ReadonlyArray<readonly [string, string]>;

  constructor(members: ReadonlyArray<readonly [string, string]>) {
    this.#members = members;
  }

  get(key: string): string | undefined {
    return this.#members.find(([name]) => name === key)?.[1];
  }

  set(key: string, value: string): TraceState {
    if (!KEY.test(key) || !VALUE.test(value)) return this;
    return new W3CTraceState([[key, value] as const, ...this.#without(key)].slice(0, MAX_MEMBERS));
  }

  unset(key: string): TraceState {
    return new W3CTraceState(this.#without(key));
  }

  serialize(): string {
    return this.#members.map(([key, value]) => `${key}=${value}`).join(',');
  }

  #without(key: string): ReadonlyArray<readonly [string, string]> {
    return this.#members.filter(([name]) => name !== key);
  }
}
