/**
 * Writing an API Gateway HTTP API (v2) answer. Kept apart from request.ts, which validates with zod, so that a
 * handler that only answers (functions/health.ts) bundles no validation library at all.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
