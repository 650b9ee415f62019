/** Local ports: parsing them from the environment, finding a free one, and checking one is free. */
import { createServer, type Server } from 'node:net';
import { isAddressInUse, type LocalService, PortInUseError, StartupError } from './errors.js';

export const LOCAL_HOST = '127.0.0.1';

/** A port from an environment variable: an integer 0–65535 (0 = any free port), or the default. */
export function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new StartupError(`${name} must be a port number between 0 and 65535, got "${raw}"`);
  }
  return port;
}

/** A port that is free on 127.0.0.1 right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  const server = await listen(0);
  const address = server.address();
  await close(server);
  if (address === null || typeof address === 'string') throw new Error('Could not read the probed port');
  return address.port;
}

/** Throws PortInUseError when something already listens on the port (also on 0.0.0.0 or ::). */
export async function assertPortFree(service: LocalService, port: number): Promise<void> {
  try {
    await close(await listen(port));
  } catch (error) {
    if (isAddressInUse(error)) throw new PortInUseError(service, port, { cause: error });
    throw error;
  }
}

/** The port an http/net server actually listens on (after listening on port 0). */
export function boundPort(server: Server | { address(): ReturnType<Server['address']> }): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The server is not listening on TCP');
  return address.port;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: LOCAL_HOST, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
