import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { downstreamReport, traceReport } from '@meshtrace/service-kit';
import { pickForwardedHeaders, tracedRequest } from '@meshtrace/tracing';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Dispatcher } from 'undici';
import { judgeChain } from './chain-verdict.ts';
import type { FrontendConfig } from './config.ts';
import type { LoopControl } from './loop-control.ts';
import { parseSendFault } from './send-fault.ts';
import { walkChain } from './ui/chain.ts';

export interface UiOptions {
  readonly config: Pick<
    FrontendConfig,
    'serviceName' | 'serviceVersion' | 'targetUrl' | 'requestTimeoutMs' | 'jaegerUiUrl' | 'incomingTraceContext'
  >;
  readonly dispatcher: Dispatcher;
  readonly loop: LoopControl;
}

/** The page's HTML and CSS sit beside its TypeScript; tsc puts the compiled JavaScript in dist/public. */
const PAGE_FILES = fileURLToPath(new URL('../src/ui/', import.meta.url));
const SCRIPTS = fileURLToPath(new URL('../dist/public/', import.meta.url));
/** Only what the page loads: no TypeScript, declarations or tsconfig from either folder. */
const SERVED = /^\/(?:[\w-]+\.(?:html|css|js))?$/;

/**
 * Everything loads from this origin, nothing inline: the page works offline and in air-gapped
 * clusters. (`nosniff` is on every answer of the service: service-kit's app-headers.ts.)
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
} as const;

/** The page's assets and read-only status routes: `probe: true`, so they are neither traced nor access-logged. */
async function pageAssets(app: FastifyInstance, options: UiOptions): Promise<void> {
  app.addHook('onRoute', function markUntraced(route) {
    route.config = { ...route.config, probe: true };
  });
  await app.register(fastifyStatic, {
    root: [SCRIPTS, PAGE_FILES],
    // Without the trailing slash, so `/ui` is answered with a redirect to `/ui/` (the page's URLs are relative).
    prefix: '/ui',
    redirect: true,
    allowedPath: (path) => SERVED.test(path),
    setHeaders: (reply) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    },
  });
  app.get('/ui/api/config', async function pageConfig() {
    return {
      service: options.config.serviceName,
      target_url: options.config.targetUrl,
      jaeger_ui_url: options.config.jaegerUiUrl,
    };
  });
  app.get('/ui/api/loop', async function loopForPage() {
    return options.loop.status();
  });
}

/**
 * The propagation explorer at `/ui/`. `GET /ui/api/send` is the one route
 * here that is traced: it is a real request through the chain. It continues
 * whatever context the page put on it (exactly like `GET /`), calls
 * TARGET_URL, and answers with the frontend's own hop report in the shape of
 * the backend's JSON echo, the backend's echo nested in `downstream[0].body`,
 * and the chain's `verdict` (chain-verdict.ts).
 */
async function uiPlugin(app: FastifyInstance, options: UiOptions): Promise<void> {
  const { config, dispatcher } = options;
  const host = hostname();
  await app.register(pageAssets, options);

  app.get('/ui/api/send', async function sendThroughChain(request, reply) {
    const fault = parseSendFault(request.query);
    if (!fault.ok) return reply.code(400).send({ error: 'invalid fault', reason: fault.reason });
    const startedMs = reply.elapsedTime;
    const response = await tracedRequest(config.targetUrl, {
      headers: {
        ...pickForwardedHeaders(request.headers, { trustedCaller: config.incomingTraceContext === 'continue' }),
        ...fault.headers,
        accept: 'application/json',
      },
      timeoutMs: config.requestTimeoutMs,
      dispatcher,
    });
    const answer = {
      service: { name: config.serviceName, version: config.serviceVersion },
      hostname: host,
      method: request.method,
      path: request.url.split('?', 1)[0],
      trace: traceReport(request.trace, request.headers),
      elapsed_ms: Math.round(reply.elapsedTime * 100) / 100,
      downstream: [downstreamReport({ url: config.targetUrl, startedMs, propagated: true }, response)],
    };
    // The page's caller is you: what the hops recorded, judged as the terminal view and verify judge it.
    const chain = walkChain(answer, { name: 'you', user: true, traceIds: [], spanIds: [], propagated: true });
    return { ...answer, verdict: judgeChain(chain) };
  });
}

export const ui = fp(uiPlugin, { name: 'meshtrace-ui', fastify: '5.x' });
