/**
 * The middy chain for EventBridge-triggered functions: validate the envelope and detail with zod, and throw on
 * every failure of the work so that Lambda (or the local bus) retries it and the on-failure queue keeps what
 * could not be processed. An invalid event is the exception: no retry can make it valid, so it is dead-lettered
 * at once, with its logged reason, to the function's own failure queue (dead-letter.ts), and the invocation
 * ends there. Nothing is swallowed.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import type { FieldIssue } from '../errors.js';
import { zodIssues } from '../errors.js';
import { logger } from '../logger.js';
import { deadLetter } from './dead-letter.js';

export class RejectedEventError extends Error {
  constructor(
    message: string,
    readonly issues: FieldIssue[],
  ) {
    super(message);
    this.name = 'RejectedEventError';
  }
}

const envelope = <S extends z.ZodMiniType>(detail: S) =>
  z.object({
    id: z.string(),
    source: z.string(),
    'detail-type': z.string(),
    time: z.string(),
    detail,
  });

export interface Envelope<D> {
  id: string;
  source: string;
  'detail-type': string;
  time: string;
  detail: D;
}

export function eventFunction<S extends z.ZodMiniType>(
  detailSchema: S,
  handler: (detail: z.output<S>, event: Envelope<z.output<S>>) => Promise<unknown>,
) {
  return validatedEventFunction(envelope(detailSchema), handler);
}

/**
 * One function for several detail-types, each with its own detail schema (the event's detail-type picks it); an
 * event of another detail-type is rejected like an invalid one.
 */
export function eventFunctionByType<M extends Record<string, z.ZodMiniType>>(
  detailSchemas: M,
  handler: <K extends keyof M & string>(
    detailType: K,
    detail: z.output<M[K]>,
    event: Envelope<z.output<M[K]>>,
  ) => Promise<unknown>,
) {
  const [first, ...rest] = Object.entries(detailSchemas).map(([detailType, detail]) =>
    z.extend(envelope(detail), { 'detail-type': z.literal(detailType) }),
  );
  const schema = z.discriminatedUnion('detail-type', [first!, ...rest]);
  return validatedEventFunction(schema, (_detail, event) =>
    handler(event['detail-type'] as keyof M & string, event.detail as never, event as never),
  );
}

function validatedEventFunction<D>(
  schema: z.ZodMiniType,
  handler: (detail: D, event: Envelope<D>) => Promise<unknown>,
) {
  return middy<unknown, unknown, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        const issues = zodIssues(parsed.error);
        const meta = z
          .object({
            id: z.optional(z.string()),
            source: z.optional(z.string()),
            'detail-type': z.optional(z.string()),
          })
          .safeParse(event);
        logger.error('Rejected event', {
          reason: 'invalid event',
          issues,
          event: meta.success ? meta.data : undefined,
        });
        const reason = `Invalid event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
        const error = new RejectedEventError(reason, issues);
        await deadLetter(event, { reason, issues, error }, context.functionName);
        return { outcome: 'dead-lettered', reason };
      }
      const data = parsed.data as Envelope<D>;
      const result = await handler(data.detail, data);
      logger.info('Event processed', { eventId: data.id, result: result as Record<string, unknown> });
      return result;
    });
}

/** Scheduled jobs receive EventBridge "Scheduled Event" envelopes; they take no input. */
export function scheduledFunction(job: (scheduledAt: Date, context: Context) => Promise<unknown>) {
  return middy<unknown, unknown, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => {
      const result = await job(scheduledTimeOf(event), context);
      logger.info('Scheduled job done', { result: result as Record<string, unknown> });
      return result;
    });
}

/**
 * When the schedule fired: the scheduled event's `time` (a run retried later still acts as of its schedule), or now
 * when the event carries none.
 */
function scheduledTimeOf(event: unknown): Date {
  const time = (event as { time?: unknown } | null)?.time;
  const at = typeof time === 'string' ? new Date(time) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : new Date();
}
