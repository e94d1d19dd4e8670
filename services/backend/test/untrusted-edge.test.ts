import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * INCOMING_TRACE_CONTEXT=link, for a service that faces untrusted callers: nothing a caller sends
 * can force sampling, or choose the trace id that the service and everything it calls report
 * under. The service samples at 0% (`parentbased_traceidratio`, ratio 0) and calls a second
 * backend; the same headers sent to a twin in the default `continue` mode show what they force.
 */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';

const FORCING: Readonly<Record<string, Record<string, string>>> = {
  'x-b3-sampled: 1': { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
  'x-b3-flags: 1': { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' },
  'b3: {ids}-d': { b3: `${TRACE}-${SPAN}-d` },
  'b3: 1': { b3: '1' },
  'traceparent ...-01': { traceparent: `00-${TRACE}-${SPAN}-01` },
};

interface Hop {
  trace: { trace_id: string; sampled: boolean; continued: boolean; debug: boolean };
  headers: Record<string, string>;
  downstream: Array<{ body: Hop }>;
}

let zipkin: ZipkinReceiver;
let next: ServiceProcess;
let edge: ServiceProcess;
let trusting: ServiceProcess;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  const tracing = {
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0',
  };
  next = await startService('backend', { env: { ...tracing, OTEL_SERVICE_NAME: 'next' } });
  [edge, trusting] = await Promise.all([
    startService('backend', {
      env: { ...tracing, OTEL_SERVICE_NAME: 'edge', DOWNSTREAM_URLS: next.url, INCOMING_TRACE_CONTEXT: 'link' },
    }),
    startService('backend', { env: { ...tracing, OTEL_SERVICE_NAME: 'trusting', DOWNSTREAM_URLS: next.url } }),
  ]);
});

afterAll(async () => {
  await Promise.all([edge, trusting, next].map((service) => service?.stop()));
  await zipkin?.close();
});

async function send(service: ServiceProcess, headers: Record<string, string>): Promise<Hop> {
  const response = await fetch(`${service.url}/?format=json`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Hop;
}

describe('INCOMING_TRACE_CONTEXT=link', () => {
  it.each(Object.entries(FORCING))(
    '%s from a caller: a new trace, not sampled, and so downstream',
    async (_name, headers) => {
      const hop = await send(edge, headers);
      expect(hop.trace).toMatchObject({ sampled: false, continued: false });
      expect(hop.trace.trace_id).not.toBe(TRACE);
      const sent = hop.downstream[0]?.body;
      // The next hop continues our trace, with our decision, and sees nothing of the caller's.
      expect(sent?.trace).toMatchObject({
        trace_id: hop.trace.trace_id,
        sampled: false,
        debug: false,
        continued: true,
      });
      expect(sent?.headers['x-b3-flags']).toBeUndefined();
      expect(sent?.headers['x-b3-sampled']).toBe('0');
    },
  );

  it('does not pass on the headers that ask the next tracer to sample; the rest of what Istio forwards, it does', async () => {
    const asking = { 'x-client-trace-id': 'forced-by-a-stranger', 'x-datadog-sampling-priority': '2' };
    const forwarded = { 'x-request-id': '1b4e28ba-2fa1-11d2-883f-0016d3cca427', 'end-user': 'jason' };
    const fromEdge = (await send(edge, { ...asking, ...forwarded })).downstream[0]?.body;
    expect(fromEdge?.headers).toMatchObject(forwarded);
    expect(fromEdge?.headers).not.toHaveProperty('x-client-trace-id');
    expect(fromEdge?.headers).not.toHaveProperty('x-datadog-sampling-priority');
    // The trusting twin forwards all of them, as Istio asks.
    const fromTrusting = (await send(trusting, { ...asking, ...forwarded })).downstream[0]?.body;
    expect(fromTrusting?.headers).toMatchObject({ ...asking, ...forwarded });
  });

  it('the same headers force the default `continue` mode to sample, and reach Zipkin', async () => {
    const hop = await send(trusting, FORCING['x-b3-sampled: 1'] ?? {});
    expect(hop.trace).toMatchObject({ trace_id: TRACE, sampled: true, continued: true });
    await zipkin.waitFor((spans) => spans.some((span) => span.traceId === TRACE));
    // Nothing the edge received was ever exported: it sampled nothing of it.
    expect(zipkin.spans.filter((span) => span.localEndpoint?.serviceName === 'edge')).toEqual([]);
  });
});
