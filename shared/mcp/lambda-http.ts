/**
 * An API Gateway HTTP API (v2) event as a web-standard `Request`, and a `Response` back as the Lambda result:
 * what the MCP SDK's web-standard Streamable HTTP transport takes and gives.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { rawBodyOf } from '../http/request.js';

export function requestOf(event: APIGatewayProxyEventV2): Request {
  const { http, domainName } = event.requestContext;
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const hasBody = http.method !== 'GET' && http.method !== 'HEAD';
  return new Request(urlOf(domainName, `${event.rawPath}${query}`), {
    method: http.method,
    headers,
    ...(hasBody ? { body: rawBodyOf(event) } : {}),
  });
}

/**
 * The request's URL. The host plays no part in answering (the server is stateless), and a domain name that is no
 * host at all (the local gateway takes it from the Host header, which the client chooses) must not make a 500.
 */
function urlOf(domainName: string, pathAndQuery: string): string {
  try {
    return new URL(`https://${domainName || 'localhost'}${pathAndQuery}`).href;
  } catch {
    return new URL(`https://localhost${pathAndQuery}`).href;
  }
}

/** The whole response (JSON response mode: never a stream) as the Lambda result. */
export async function resultOf(response: Response): Promise<APIGatewayProxyStructuredResultV2> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = await response.text();
  return { statusCode: response.status, headers, ...(body === '' ? {} : { body }) };
}
