import { once } from 'node:events';
import { createServer as createHttpServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

/** A URL that fails in a chosen way, and how to stop it. */
export interface FaultyEndpoint {
  readonly url: string;
  close(): void;
}

/**
 * Accepts connections and reads every byte, but never answers: the collector
 * or downstream that hangs. Only a client-side timeout gets a caller out.
 */
export async function blackHole(path = '/'): Promise<FaultyEndpoint> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** A loopback port that was free a moment ago: connecting to it is refused. */
export async function refusedUrl(path = '/'): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}${path}`;
}

/** An HTTP endpoint on loopback that answers every request with `handler`: a 500, a slow answer. */
export async function answeringWith(handler: RequestListener, path = '/'): Promise<FaultyEndpoint> {
  const server = createHttpServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Reads the whole upload first, as a collector does, then answers. */
const afterBody =
  (answer: (res: ServerResponse) => void): RequestListener =>
  (req, res) => {
    req.resume().on('end', () => answer(res));
  };

/**
 * Every way a collector fails an exporter, each by name with a way to start one at `path`: the
 * exporter tests (packages/tracing) and the backend's collector tests go through the same list.
 */
export function failingCollectors(path: string): readonly (readonly [string, () => Promise<FaultyEndpoint>])[] {
  return [
    ['connection refused', async () => ({ url: await refusedUrl(path), close() {} })],
    [
      'answering 500',
      () =>
        answeringWith(
          afterBody((res) => res.writeHead(500).end()),
          path,
        ),
    ],
    [
      'answering after 2 s',
      () =>
        answeringWith(
          afterBody((res) => setTimeout(() => res.end(), 2000).unref()),
          path,
        ),
    ],
    ['accepting and never answering', () => blackHole(path)],
  ];
}
