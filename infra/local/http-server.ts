/** Small pieces the local HTTP servers (gateway, event bus) share. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isAddressInUse, type LocalService, PortInUseError } from './errors.js';
import { boundPort, LOCAL_HOST } from './ports.js';

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole request body, refusing more than `limitBytes`. */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw new BodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limitBytes) throw new BodyTooLargeError(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Listens on 127.0.0.1; a taken port becomes a PortInUseError naming the service. Returns the port. */
export function listenLocal(server: Server, port: number, service: LocalService): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(isAddressInUse(error) ? new PortInUseError(service, port, { cause: error }) : error);
    };
    server.once('error', onError);
    server.listen({ port, host: LOCAL_HOST, exclusive: true }, () => {
      server.removeListener('error', onError);
      resolve(boundPort(server));
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
