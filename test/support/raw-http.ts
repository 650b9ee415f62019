/**
 * HTTP/1.1 over a bare socket, for requests fetch (and node:http's client) refuse to send: repeated headers of
 * any name, raw bytes in the request line and header values (control characters, Latin-1), a missing or odd
 * Host, conflicting Content-Length / Transfer-Encoding. The request goes out exactly as given (plus
 * `Connection: close` and a Content-Length for the body unless the headers already say otherwise); the answer
 * is read until the server closes the connection.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request-target as sent (path and query), byte for byte (Latin-1). */
  target: string;
  /** In order, repeats kept; values are sent as Latin-1 bytes. */
  headers: [string, string][];
  body?: Buffer;
  /** Leave out the Host header (default: `Host: 127.0.0.1:<port>` unless the headers hold one). */
  omitHost?: boolean;
}

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

const has = (headers: [string, string][], name: string) =>
  headers.some(([key]) => key.toLowerCase() === name);

export function rawRequest(baseUrl: string, request: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers = [...request.headers];
  if (!request.omitHost && !has(headers, 'host')) headers.unshift(['Host', `${hostname}:${port}`]);
  if (!has(headers, 'connection')) headers.push(['Connection', 'close']);
  if (request.body && !has(headers, 'content-length') && !has(headers, 'transfer-encoding'))
    headers.push(['Content-Length', String(request.body.length)]);
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${headers
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      // A server may answer and close while the body is still going out (413): the answer is what counts.
      if (data.length > 0) {
        try {
          resolve(parseResponse(data));
          return;
        } catch (parseError) {
          reject(parseError);
          return;
        }
      }
      reject(error ?? new Error(`no answer to ${request.method} ${request.target.slice(0, 200)}`));
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(`no answer within ${timeoutMs} ms to ${request.method} ${request.target.slice(0, 200)}`),
        ),
      timeoutMs,
    );
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => {
      socket.write(Buffer.from(head, 'latin1'));
      if (request.body) socket.write(request.body);
    });
  });
}

function parseResponse(data: Buffer): RawResponse {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`an incomplete answer: ${data.toString('latin1').slice(0, 200)}`);
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (!status) throw new Error(`not an HTTP answer: ${statusLine.slice(0, 200)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = data.subarray(end + 4);
  const length = headers['content-length'];
  if (length !== undefined) body = body.subarray(0, Number(length));
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: Number(status), headers, body, text, json };
}
