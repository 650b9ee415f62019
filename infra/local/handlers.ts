/**
 * Loading and invoking the Lambda handlers in this process, as Lambda would: the entry file named by the
 * manifest, imported lazily on first use (after the runtime has set process.env, since handlers read
 * their configuration at module scope), called with the event and a Lambda context, within the
 * function's timeout. The event crosses a JSON boundary, as it does into Lambda: the handler gets a fresh
 * plain object (an input key like `__proto__` is an ordinary own property of it), never the caller's.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { entryOf, type FunctionSpec } from '../manifest.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './aws-identity.js';
import { REPO_ROOT } from './paths.js';

/** Lambda's default is 3 s; locally the manifest's timeout, or a generous default for a cold laptop. */
const DEFAULT_TIMEOUT_SECONDS = 30;

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The entry file could not be imported, or does not export a `handler` function. */
export class HandlerLoadError extends Error {
  constructor(
    readonly functionName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HandlerLoadError';
  }
}

/** The handler ran past its timeout (the wording is Lambda's). */
export class HandlerTimeoutError extends Error {
  constructor(timeoutSeconds: number) {
    super(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    this.name = 'HandlerTimeoutError';
  }
}

export interface HandlerInvoker {
  /** Calls the function's handler with the event; rejects with what the handler threw. */
  invoke(fn: FunctionSpec, event: unknown): Promise<unknown>;
}

export function createHandlerInvoker(root: string = REPO_ROOT): HandlerInvoker {
  const loaded = new Map<string, LambdaHandler>();

  async function load(fn: FunctionSpec): Promise<LambdaHandler> {
    const cached = loaded.get(fn.name);
    if (cached) return cached;
    const file = resolve(root, entryOf(fn));
    let module: unknown;
    try {
      module = await import(pathToFileURL(file).href);
    } catch (cause) {
      // Not cached: a file written after startup loads on the next invocation.
      throw new HandlerLoadError(fn.name, `Could not load ${entryOf(fn)}: ${messageOf(cause)}`, { cause });
    }
    const handler = handlerOf(module);
    if (!handler) throw new HandlerLoadError(fn.name, `${entryOf(fn)} does not export a handler function`);
    loaded.set(fn.name, handler);
    return handler;
  }

  return {
    async invoke(fn, event) {
      const handler = await load(fn);
      const timeoutSeconds = fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      const context = lambdaContext(fn, timeoutSeconds);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HandlerTimeoutError(timeoutSeconds)), timeoutSeconds * 1_000);
      });
      try {
        return await Promise.race([handler(throughJson(event), context), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What a Lambda handler receives: the event serialized by the invoker and parsed by the runtime. */
function throughJson(event: unknown): unknown {
  const text = JSON.stringify(event);
  return text === undefined ? null : JSON.parse(text);
}

function handlerOf(module: unknown): LambdaHandler | undefined {
  if (typeof module !== 'object' || module === null || !('handler' in module)) return undefined;
  const { handler } = module;
  if (typeof handler !== 'function') return undefined;
  return (event, context) => Promise.resolve(handler(event, context));
}

/** A Lambda context with what handlers and Powertools read from it. */
export function lambdaContext(fn: FunctionSpec, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1_000;
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: return a promise from the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
