import type { IncomingHttpHeaders } from 'node:http';

/** Headers that carry credentials: echoed as "[redacted]", never in clear. REDACT_HEADERS adds to them. */
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
  // What authenticating proxies in front of an app add: oauth2-proxy's access token (both of its
  // names), Google Cloud IAP's and Cloudflare Access's signed JWTs.
  'x-forwarded-access-token',
  'x-auth-request-access-token',
  'x-goog-iap-jwt-assertion',
  'cf-access-jwt-assertion',
]);

/**
 * Header families that carry credentials under several names: AWS ALB's OIDC headers
 * (`x-amzn-oidc-accesstoken`, `-data`, `-identity`) and Azure App Service's tokens
 * (`x-ms-token-aad-access-token`, `-id-token`, ...).
 */
const REDACTED_PREFIXES = ['x-amzn-oidc-', 'x-ms-token-'] as const;

function isRedacted(name: string, redacted: ReadonlySet<string>): boolean {
  return redacted.has(name) || REDACTED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

export const REDACTED = '[redacted]';

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** REDACT_HEADERS' format: empty, or comma-separated header names. */
export function isHeaderNameList(list: string): boolean {
  return splitNames(list).every((name) => HEADER_NAME.test(name));
}

/** The defaults plus REDACT_HEADERS, lower-cased as Node delivers header names. Extra names never remove a default. */
export function redactedHeaderNames(extra: string): ReadonlySet<string> {
  return new Set([...REDACTED_HEADERS, ...splitNames(extra).map((name) => name.toLowerCase())]);
}

/** A copy of the headers with credential values replaced. */
export function redactHeaders(
  headers: IncomingHttpHeaders,
  redacted: ReadonlySet<string> = REDACTED_HEADERS,
): Record<string, string | string[]> {
  const copy: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    copy[name] = isRedacted(name, redacted) ? REDACTED : value;
  }
  return copy;
}
