/**
 * The benchmarks' yardstick: a hello-world on the same Fastify version the
 * backend uses, with no tracing, no plugins and no hooks. Its only change from
 * the defaults is one log line per request instead of two (Fastify's logger,
 * at LOG_LEVEL), so every server in the bench writes as many lines as the
 * backend's access log. Started by processes.ts; reads PORT, HOST and
 * LOG_LEVEL.
 *
 * Plain JavaScript on purpose: the backend runs from compiled dist/, and
 * Node's TypeScript stripping would add about 17 MiB and some start-up time
 * to this process only, skewing the footprint comparison.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// fastify is a dependency of the services, not of the root: load the backend's copy.
const fromBackend = createRequire(new URL('../../services/backend/package.json', import.meta.url));
/** @type {typeof import('fastify')} */
const { default: Fastify, LogController } = await import(pathToFileURL(fromBackend.resolve('fastify')).href);

/** Fastify's own "request completed" line, without its "incoming request" line. */
class OneLinePerRequest extends LogController {
  incomingRequest() {}
}

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' }, logController: new OneLinePerRequest() });

app.get('/*', async function hello() {
  return 'hello world\n';
});

const close = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
