/**
 * The fault the page asks the first backend to inject on one request
 * (`/ui/api/send?delay_ms=200&status=503`), as the backend's per-request
 * headers. Pure; a bad value is a reason for a 400, never a header sent on.
 */

/** The backend's per-request fault headers (services/backend/src/fault-request.ts, http-https-echo's names). */
export const BACKEND_FAULT_HEADERS = {
  delay: 'x-set-response-delay-ms',
  status: 'x-set-response-status-code',
} as const;

/** The longest delay the page may ask for; the backend's MAX_DELAY_MS may cap it lower. */
const MAX_DELAY_MS = 60_000;

export type ParsedFault =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly reason: string };

function first(value: unknown): string | undefined {
  if (Array.isArray(value)) return first(value[0]);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function parseSendFault(query: unknown): ParsedFault {
  const { delay_ms: delayText, status: statusText } = (query ?? {}) as Record<string, unknown>;
  const delay = first(delayText);
  const status = first(statusText);
  const headers: Record<string, string> = {};
  if (delay !== undefined) {
    if (!/^\d{1,6}$/.test(delay) || Number(delay) > MAX_DELAY_MS)
      return { ok: false, reason: `delay_ms=${JSON.stringify(delay)}: expected an integer from 0 to ${MAX_DELAY_MS}` };
    headers[BACKEND_FAULT_HEADERS.delay] = delay;
  }
  if (status !== undefined) {
    if (!/^[1-5]\d\d$/.test(status) || Number(status) < 200)
      return { ok: false, reason: `status=${JSON.stringify(status)}: expected an HTTP status from 200 to 599` };
    headers[BACKEND_FAULT_HEADERS.status] = status;
  }
  return { ok: true, headers };
}
