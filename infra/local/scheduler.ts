/**
 * The manifest's schedules, run every `everyMinutes` with the envelope an EventBridge schedule rule
 * delivers (`source: aws.events`, `detail-type: Scheduled Event`). `runNow` runs one at once (tests).
 */
import { randomUUID } from 'node:crypto';
import type { FunctionSpec } from '../manifest.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './aws-identity.js';
import type { HandlerInvoker } from './handlers.js';
import { describeError, type LocalLog } from './log.js';
import { type EventEnvelope, eventTime } from './put-events.js';

export interface ScheduleRule {
  ruleName: string;
  everyMinutes: number;
  fn: FunctionSpec;
}

export interface LocalScheduler {
  /**
   * Runs the schedule named by rule name or function name now, its event stamped `at` (default now: tests of the
   * jobs that act as of their schedule's time pass a later one); rejects with what the handler threw.
   */
  runNow(name: string, at?: Date): Promise<unknown>;
  names(): string[];
  stop(): void;
}

export interface SchedulerOptions {
  schedules: ScheduleRule[];
  invoker: HandlerInvoker;
  log: LocalLog;
  /** Start the timers (default true). Tests turn them off and call runNow. */
  timers?: boolean;
}

export function scheduledEvent(rule: ScheduleRule, now: Date = new Date()): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: eventTime(now),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${rule.ruleName}`],
    detail: {},
  };
}

export function startScheduler(options: SchedulerOptions): LocalScheduler {
  const { log, invoker } = options;
  const running = new Set<string>();
  const timers: NodeJS.Timeout[] = [];

  const find = (name: string) =>
    options.schedules.find((rule) => rule.ruleName === name || rule.fn.name === name);

  async function tick(rule: ScheduleRule): Promise<void> {
    if (running.has(rule.ruleName)) {
      log.warn(`${rule.ruleName}: the previous run of ${rule.fn.name} is still going; skipping this one`);
      return;
    }
    running.add(rule.ruleName);
    try {
      await invoker.invoke(rule.fn, scheduledEvent(rule));
      log.debug(`${rule.ruleName} → ${rule.fn.name} done`);
    } catch (error) {
      log.error(`${rule.ruleName} → ${rule.fn.name} failed: ${describeError(error)}`);
    } finally {
      running.delete(rule.ruleName);
    }
  }

  if (options.timers ?? true) {
    for (const rule of options.schedules) {
      const timer = setInterval(() => void tick(rule), rule.everyMinutes * 60_000);
      timer.unref();
      timers.push(timer);
    }
  }

  return {
    runNow: (name, at) => {
      const rule = find(name);
      if (!rule) {
        const known = options.schedules.map((r) => r.ruleName).join(', ');
        return Promise.reject(new Error(`No schedule named ${name} (known: ${known})`));
      }
      return invoker.invoke(rule.fn, scheduledEvent(rule, at));
    },
    names: () => options.schedules.map((rule) => rule.ruleName),
    stop: () => {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
