import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface AppHeadersOptions {
  /** OTEL_SERVICE_NAME: who answered. */
  readonly name: string;
  /** SERVICE_VERSION: which build answered (a canary shows up here). */
  readonly version: string;
}

/**
 * `X-App-Name` and `X-App-Version` on every answer, probes and errors included, as
 * http-echo's successors do: a curl through the mesh shows which instance answered.
 * And `X-Content-Type-Options: nosniff`: the echo reflects what callers send, so a
 * browser must never read an answer as anything but the type it is labelled with.
 */
async function appHeadersPlugin(app: FastifyInstance, options: AppHeadersOptions): Promise<void> {
  app.addHook('onRequest', async function appHeaders(_request, reply) {
    reply
      .header('x-app-name', options.name)
      .header('x-app-version', options.version)
      .header('x-content-type-options', 'nosniff');
  });
}

export const appHeaders: FastifyPluginAsync<AppHeadersOptions> = fp(appHeadersPlugin, {
  name: 'meshtrace-app-headers',
  fastify: '5.x',
});
