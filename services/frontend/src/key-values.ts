/**
 * `k=v,k2=v2` lists, for LOOP_BAGGAGE and LOOP_HEADERS. Pure, never throws:
 * `undefined` means "not accepted", so the schema can stop start-up with one line.
 */

/** An HTTP token (RFC 9110), which both header names and baggage keys must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** What the lists accept, in the words the start-up error uses. */
export const KEY_VALUES_FORM = 'comma-separated key=value pairs, keys being HTTP tokens';

/** Parses `k=v,k2=v2` into pairs in order; an empty text gives none. Values may not contain a comma. */
export function parseKeyValues(text: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    if (equals === -1) return undefined;
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    // Control characters would make an invalid header value; refuse them here, not per request.
    if (!TOKEN.test(key) || hasControlCharacter(value)) return undefined;
    pairs.push([key, value]);
  }
  return pairs;
}
