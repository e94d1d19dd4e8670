import type { Attributes } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_METHOD_ORIGINAL } from '@opentelemetry/semantic-conventions';

/** The methods HTTP semantic conventions name; anything else is recorded as `_OTHER`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

/** `http.request.method` (and `http.request.method_original` when it had to be normalised). */
export function httpMethodAttributes(method: string): Attributes {
  if (KNOWN_METHODS.has(method)) return { [ATTR_HTTP_REQUEST_METHOD]: method };
  return { [ATTR_HTTP_REQUEST_METHOD]: '_OTHER', [ATTR_HTTP_REQUEST_METHOD_ORIGINAL]: method };
}
