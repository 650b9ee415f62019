/**
 * A local EventBridge endpoint with no rules, for tests that call handlers directly and want to see
 * what they publish: `const capture = await startEventCapture(); testEnv({ ..., eventsEndpoint: capture.endpoint })`.
 */

import { type EventFilter, startEventBus } from '../../infra/local/event-bus.js';
import { createHandlerInvoker } from '../../infra/local/handlers.js';
import { createLocalLog } from '../../infra/local/log.js';
import type { EventEnvelope } from '../../infra/local/put-events.js';

export interface EventCapture {
  endpoint: string;
  eventBusName: string;
  /** Accepted events, oldest first. */
  events(filter?: EventFilter): EventEnvelope[];
  stop(): Promise<void>;
}

export async function startEventCapture(eventBusName = 'for-review'): Promise<EventCapture> {
  const bus = await startEventBus({
    port: 0,
    eventBusName,
    rules: [],
    invoker: createHandlerInvoker(),
    log: createLocalLog('warn', 'capture'),
  });
  return { endpoint: bus.endpoint, eventBusName, events: bus.events, stop: bus.stop };
}
