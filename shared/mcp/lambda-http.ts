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
  const url = `https://${domainName || 'localhost'}${event.rawPath}${query}`;
  const hasBody = http.method !== 'GET' && http.method !== 'HEAD';
  return new Request(url, { method: http.method, headers, ...(hasBody ? { body: rawBodyOf(event) } : {}) });
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
