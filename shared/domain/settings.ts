/**
 * A workspace's review settings (spec 3, "Workspace settings"): how long an item may wait before it is overdue and
 * escalated, and to whom; the send hold, the trust thresholds and the retention the later features act on. One
 * versioned record per workspace; a workspace that never saved any has the defaults, at version 0.
 */

import * as z from 'zod/mini';
import { idSchema, MAX_REVIEWERS } from './primitives.js';
import { DEFAULT_TRUST } from './trust.js';

/** 30 days: the longest overdue or escalation limit. */
export const MAX_LIMIT_MINUTES = 43_200;

const minutesSchema = z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_LIMIT_MINUTES)));

const settingsShape = {
  /** An open item waiting longer than this since it was created is overdue (null: never). */
  overdueAfterMinutes: minutesSchema,
  /** After this the escalation reviewers are added (null: no escalation). */
  escalateAfterMinutes: minutesSchema,
  /** Who escalation adds: the workspace's admins, or these users (each only where they can see the item). */
  escalateTo: z.union([
    z.literal('admins'),
    z.strictObject({
      userIds: z.array(idSchema).check(
        z.minLength(1),
        z.maxLength(MAX_REVIEWERS),
        z.refine((ids) => new Set(ids).size === ids.length, 'each user at most once'),
      ),
    }),
  ]),
  sendHoldSeconds: z.number().check(z.int(), z.minimum(0), z.maximum(900)),
  trust: z.strictObject({
    maxHumanRate: z.number().check(z.minimum(0.001), z.maximum(0.2)),
    minDecisions: z.number().check(z.int(), z.minimum(30), z.maximum(10_000)),
  }),
  retentionDays: z.number().check(z.int(), z.minimum(30), z.maximum(3650)),
};

const escalationAfterOverdue = z.refine<{
  overdueAfterMinutes: number | null;
  escalateAfterMinutes: number | null;
}>(
  (s) =>
    s.overdueAfterMinutes === null ||
    s.escalateAfterMinutes === null ||
    s.escalateAfterMinutes > s.overdueAfterMinutes,
  { message: 'must be greater than overdueAfterMinutes', path: ['escalateAfterMinutes'] },
);

/** The settings themselves, as stored and answered (without the version). */
export const reviewSettingsSchema = z.strictObject(settingsShape).check(escalationAfterOverdue);
export type ReviewSettings = z.output<typeof reviewSettingsSchema>;

export interface WorkspaceSettings extends ReviewSettings {
  /** 0 until the settings are first saved; each save adds one. */
  version: number;
  /** When and by whom they were last saved (absent at version 0). */
  updatedAt?: string;
  updatedBy?: string;
}

export const DEFAULT_SETTINGS: ReviewSettings = {
  overdueAfterMinutes: 2880,
  escalateAfterMinutes: null,
  escalateTo: 'admins',
  sendHoldSeconds: 0,
  trust: DEFAULT_TRUST,
  retentionDays: 365,
};

/**
 * PUT /settings: the whole settings (a field left out takes its default) and the `version` the caller read (0 for
 * a workspace that never saved any).
 */
export const settingsRequestSchema = z
  .strictObject({
    version: z.number().check(z.int(), z.minimum(0)),
    overdueAfterMinutes: z._default(settingsShape.overdueAfterMinutes, DEFAULT_SETTINGS.overdueAfterMinutes),
    escalateAfterMinutes: z._default(
      settingsShape.escalateAfterMinutes,
      DEFAULT_SETTINGS.escalateAfterMinutes,
    ),
    escalateTo: z._default(settingsShape.escalateTo, DEFAULT_SETTINGS.escalateTo),
    sendHoldSeconds: z._default(settingsShape.sendHoldSeconds, DEFAULT_SETTINGS.sendHoldSeconds),
    trust: z._default(settingsShape.trust, DEFAULT_SETTINGS.trust),
    retentionDays: z._default(settingsShape.retentionDays, DEFAULT_SETTINGS.retentionDays),
  })
  .check(escalationAfterOverdue);
export type SettingsRequest = z.output<typeof settingsRequestSchema>;
