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

/**
 * Sets `http.request.method` (and `http.request.method_original` when it had
 * to be normalised) on `attributes` and returns it: the server plugin fills one
 * object per request rather than spreading a new one into it.
 */
export function setHttpMethodAttributes(attributes: Attributes, method: string): Attributes {
  if (KNOWN_METHODS.has(method)) {
    attributes[ATTR_HTTP_REQUEST_METHOD] = method;
  } else {
    attributes[ATTR_HTTP_REQUEST_METHOD] = '_OTHER';
    attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  }
  return attributes;
}

/** `http.request.method` (and `http.request.method_original` when it had to be normalised). */
export function httpMethodAttributes(method: string): Attributes {
  return setHttpMethodAttributes({}, method);
}
