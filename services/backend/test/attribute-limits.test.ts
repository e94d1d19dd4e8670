import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * A span holds at most 256 characters of any string attribute by default, as Istio's sidecars
 * hold their tags: a 10 KB user-agent or path is recorded, cut, not carried whole into every
 * span and every export. The standard variables change it. The spans are read from what a real
 * Zipkin endpoint received from the real process.
 */

let zipkin: ZipkinReceiver;
let backend: ServiceProcess | undefined;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
});
afterEach(async () => {
  await backend?.stop();
  backend = undefined;
});
afterAll(async () => {
  await zipkin.close();
});

const LONG_AGENT = `agent/${'a'.repeat(10 * 1024)}`;
// Both under MAX_HEADER_BYTES (16 KB), which counts the request line too.
const LONG_PATH = `/${'p'.repeat(3 * 1024)}`;

/** The tags of the SERVER span of one request sent with a 10 KB user-agent and a 3 KB path. */
async function serverTags(env: Record<string, string> = {}): Promise<Record<string, string>> {
  backend = await startService('backend', {
    env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '20', ...env },
  });
  const response = await fetch(`${backend.url}${LONG_PATH}?format=json`, { headers: { 'user-agent': LONG_AGENT } });
  expect(response.status).toBe(200);
  const { trace } = (await response.json()) as { trace: { trace_id: string } };
  const spans = await zipkin.waitFor((all) => all.some((s) => s.traceId === trace.trace_id && s.kind === 'SERVER'));
  return { ...spans.find((s) => s.traceId === trace.trace_id && s.kind === 'SERVER')?.tags };
}

describe('span attribute value length', () => {
  it('cuts a 10 KB user-agent and a 3 KB path to 256 characters by default', async () => {
    const tags = await serverTags();
    expect(tags['user_agent.original']).toBe(LONG_AGENT.slice(0, 256));
    expect(tags['url.path']).toBe(LONG_PATH.slice(0, 256));
    // Short values are untouched.
    expect(tags['http.request.method']).toBe('GET');
  });

  it('follows OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', async () => {
    const tags = await serverTags({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1000' });
    expect(tags['user_agent.original']).toHaveLength(1000);
  });

  it('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT wins over OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, as the spec says', async () => {
    const tags = await serverTags({
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1000',
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '50',
    });
    expect(tags['user_agent.original']).toBe(LONG_AGENT.slice(0, 50));
  });
});
