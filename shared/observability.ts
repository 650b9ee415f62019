/**
 * Custom metrics as CloudWatch EMF through Powertools Metrics: one instance per container, namespace from
 * POWERTOOLS_METRICS_NAMESPACE (set on every function by the CDK stack; `ForReview` when unset, locally),
 * dimension `service` from POWERTOOLS_SERVICE_NAME. Names and their meaning: shared/metric-names.ts.
 *
 * Tracing is Lambda's active tracing (`Tracing.ACTIVE` in the stack) without Powertools Tracer in the bundle:
 * docs/deploy.md, "Tracing", has the measurements behind that.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { logger } from './logger.js';
import { FUNCTION_DIMENSION, METRIC, METRICS_NAMESPACE, type MetricName } from './metric-names.js';

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'for-review',
  // Powertools' own warnings as structured log lines, like everything else the function logs.
  logger,
});

/** Adds to a count, published when the invocation ends (publishMetrics). */
export function count(name: MetricName, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * A 5xx answer made of a thrown error, per function: published at once, in its own EMF document, so the
 * `function_name` dimension stays on this metric only.
 */
export function countHandledServerError(functionName: string): void {
  const single = metrics.singleMetric();
  single.addDimension(FUNCTION_DIMENSION, functionName);
  single.addMetric(METRIC.HandledServerErrors, MetricUnit.Count, 1);
}

/**
 * A request answered 429 because its workspace used up its share (shared/http/workspace-limit.ts): published at
 * once, since the answer ends the chain before the handler.
 */
export function countWorkspaceThrottled(): void {
  metrics.singleMetric().addMetric(METRIC.WorkspaceThrottled, MetricUnit.Count, 1);
}

/**
 * Middy middleware: publishes the metrics counted during the invocation, after it and on error. Like
 * Powertools' `logMetrics`, but silent when there is nothing to publish (most requests count nothing, and
 * `logMetrics` warns on every such invocation). Register it after the logger and before the error handler
 * (Powertools: logger, tracer, metrics; middy: error handler last).
 */
export function publishMetrics(): MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
