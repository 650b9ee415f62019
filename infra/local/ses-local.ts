/**
 * Local SES: aws-ses-v2-local, run in this process. It accepts the SESv2 API the AWS SDK speaks, keeps
 * every sent email in memory (`GET /store`), and shows them in a web view at `/`.
 */
import { createRequire } from 'node:module';
import { PortInUseError } from './errors.js';
import { closeServer } from './http-server.js';
import { assertPortFree, boundPort, LOCAL_HOST } from './ports.js';

// A CommonJS module with `exports.default`: loading it with require reads the same under Node, tsx and vitest.
const { default: sesServer } = createRequire(import.meta.url)(
  'aws-ses-v2-local',
) as typeof import('aws-ses-v2-local');

export interface SesLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts local SES on 127.0.0.1; port 0 (the default) picks a free port. */
export async function startSesLocal(options: { port?: number } = {}): Promise<SesLocal> {
  const requested = options.port ?? 0;
  if (requested !== 0) await assertPortFree('local SES', requested);
  const server = await sesServer({ host: LOCAL_HOST, port: requested });
  // aws-ses-v2-local resolves even when listen fails (Express hands the error to its callback).
  if (!server.listening) throw new PortInUseError('local SES', requested);
  const port = boundPort(server);
  return { endpoint: `http://${LOCAL_HOST}:${port}`, port, stop: () => closeServer(server) };
}
