import { once } from 'node:events';
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
