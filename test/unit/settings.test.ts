/**
 * The settings' validation (spec 3, Workspace settings): every bound, the defaults for what is left out, and the
 * problem's path naming the field at fault.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, settingsRequestSchema } from '../../shared/domain/settings.js';
import { zodIssues } from '../../shared/errors.js';

const pathsOf = (body: unknown) => {
  const parsed = settingsRequestSchema.safeParse(body);
  return parsed.success ? [] : zodIssues(parsed.error).map((issue) => issue.path);
};

describe('settings validation', () => {
  it('takes the defaults for every setting left out', () => {
    expect(settingsRequestSchema.parse({ version: 0 })).toEqual({ version: 0, ...DEFAULT_SETTINGS });
  });

  it('accepts every setting at its bounds', () => {
    const body = {
      version: 3,
      overdueAfterMinutes: 1,
      escalateAfterMinutes: 43_200,
      escalateTo: { userIds: ['u_a', 'u_b'] },
      sendHoldSeconds: 900,
      trust: { maxHumanRate: 0.001, minDecisions: 10_000 },
      retentionDays: 30,
    };
    expect(settingsRequestSchema.parse(body)).toEqual(body);
    expect(pathsOf({ version: 0, overdueAfterMinutes: null, escalateAfterMinutes: 5 })).toEqual([]);
  });

  it.each([
    [{ overdueAfterMinutes: 0 }, 'overdueAfterMinutes'],
    [{ overdueAfterMinutes: 43_201 }, 'overdueAfterMinutes'],
    [{ overdueAfterMinutes: 1.5 }, 'overdueAfterMinutes'],
    [{ overdueAfterMinutes: 60, escalateAfterMinutes: 60 }, 'escalateAfterMinutes'],
    [{ escalateTo: 'everyone' }, 'escalateTo'],
    [{ escalateTo: { userIds: [] } }, 'escalateTo.userIds'],
    [{ escalateTo: { userIds: ['u_a', 'u_a'] } }, 'escalateTo.userIds'],
    [{ sendHoldSeconds: 901 }, 'sendHoldSeconds'],
    [{ trust: { maxHumanRate: 0.3, minDecisions: 100 } }, 'trust.maxHumanRate'],
    [{ trust: { maxHumanRate: 0.02, minDecisions: 29 } }, 'trust.minDecisions'],
    [{ retentionDays: 3651 }, 'retentionDays'],
    [{ unknown: 1 }, ''],
  ])('refuses %j, naming %s', (values, path) => {
    const paths = pathsOf({ version: 0, ...values });
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.some((p) => p === path || p.startsWith(`${path}.`) || (path === '' && p === ''))).toBe(true);
  });

  it('needs the version read', () => {
    expect(pathsOf({})).toEqual(['version']);
    expect(pathsOf({ version: -1 })).toEqual(['version']);
  });
});
