// A static file server on 127.0.0.1 for the demo folder (sirv). It sends the cross-origin isolation headers, so
// the wasm backend may use its multithreaded build; the pages work without them on any static host.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

function isolate(res: ServerResponse): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
}

/** Serves `dir` on 127.0.0.1:`port` (0: any free port). */
export async function serveStatic(dir: string, port: number): Promise<StaticServer> {
  const files = sirv(dir, { dev: true, setHeaders: isolate });
  const server = createServer((req, res) =>
    files(req, res, () => {
      res.statusCode = 404;
      res.end('not found\n');
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is in use; choose another with --port`) : e,
      ),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() for the keep-alive timeout.
        server.closeAllConnections();
      }),
  };
}
