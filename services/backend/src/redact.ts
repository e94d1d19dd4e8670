import type { IncomingHttpHeaders } from 'node:http';

/** Headers that carry credentials: echoed as "[redacted]", never in clear. */
export const REDACTED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-amz-security-token',
  'x-csrf-token',
  'x-forwarded-client-cert',
]);

export const REDACTED = '[redacted]';

/** A copy of the headers with credential values replaced. */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const copy: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    copy[name] = REDACTED_HEADERS.has(name) ? REDACTED : value;
  }
  return copy;
}
