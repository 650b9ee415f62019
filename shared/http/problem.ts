/**
 * RFC 9457 problem details: the one place errors become HTTP responses.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError } from '../errors.js';
import { logger } from '../logger.js';
import { countHandledServerError } from '../observability.js';

export const PROBLEM_TYPE_BASE = 'https://for-review.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** For invalid input: where and what. */
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export function problemResponse(problem: Problem): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(problem),
  };
}

export function problemFor(error: unknown): Problem {
  if (error instanceof DomainError) {
    const slug = error.title.toLowerCase().replace(/\s+/g, '-');
    return {
      type: `${PROBLEM_TYPE_BASE}${slug}`,
      title: error.title,
      status: error.status,
      detail: error.message,
      ...error.extensions,
    };
  }
  return {
    type: `${PROBLEM_TYPE_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail: 'Something went wrong on our side. It has been logged.',
  };
}

/**
 * Middy middleware: turns any thrown error into problem+json. Register it last (its onError runs first).
 * The generic 500 made here of an unexpected error is an answer, not a Lambda error, so Lambda's Errors metric
 * never sees it: it is counted as HandledServerErrors of this function instead (alarmed per function,
 * docs/deploy.md).
 */
export function problemDetails(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const problem = problemFor(request.error);
      if (problem.status >= 500) logger.error('Unhandled error', { error: request.error as Error });
      else logger.info('Request refused', { status: problem.status, detail: problem.detail });
      // A domain error's 5xx is a deliberate answer (an SES rejection, an unknown send outcome), counted where
      // its event goes out; anything else is a bug or a failed dependency.
      if (!(request.error instanceof DomainError)) countHandledServerError(request.context.functionName);
      request.response = problemResponse(problem);
    },
  };
}
