/**
 * The middy chain every HTTP handler uses: Powertools logger context first, then metrics, problem details last
 * (its onError runs first, so the metrics it counts are published by publishMetrics' onError).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger } from '../logger.js';
import { publishMetrics } from '../observability.js';
import { problemDetails } from './problem.js';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The chain without its handler: route-function.ts adds the request parser to it. */
export function httpChain() {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics())
    .use(problemDetails());
}

/** A handler that reads no input (its route's spec declares none), so that it bundles no validation library. */
export function httpFunction(handler: HttpHandler) {
  return httpChain().handler(handler);
}
