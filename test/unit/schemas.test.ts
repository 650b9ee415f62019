import { describe, expect, it } from 'vitest';
import { draftProposedSchema, memberChangedSchema } from '../../shared/events/in-schemas.js';
import { editRequestSchema } from '../../shared/http/requests.js';
import { rawMemberChange, rawProposal } from '../fixtures/index.js';

const withDraft = (draft: Record<string, unknown>) => {
  const raw = rawProposal();
  return { ...raw, draft: { ...(raw.draft as object), ...draft } };
};
const issuesOf = (input: unknown) => {
  const result = draftProposedSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('Review Draft Proposed schema', () => {
  it('accepts the spec example', () => {
    expect(issuesOf(rawProposal())).toEqual([]);
  });

  it.each([
    ['a CR/LF in the subject (header injection)', { subject: 'Hi\r\nBcc: evil@x.com' }, 'draft.subject'],
    ['a NUL in the subject', { subject: 'Hi\u0000' }, 'draft.subject'],
    ['an empty subject', { subject: '' }, 'draft.subject'],
    ['a subject over 998 characters', { subject: 'x'.repeat(999) }, 'draft.subject'],
    ['an invalid address', { to: ['not-an-address'] }, 'draft.to.0'],
    ['an address with a newline', { to: ['a@x.com\nBcc: b@y.com'] }, 'draft.to.0'],
    ['no recipient', { to: [] }, 'draft.to'],
    [
      '51 recipients',
      {
        to: Array.from({ length: 26 }, (_, i) => `t${i}@x.com`),
        cc: Array.from({ length: 25 }, (_, i) => `c${i}@x.com`),
      },
      'draft.to',
    ],
    ['a body over 100 KB', { bodyText: 'x'.repeat(100 * 1024 + 1) }, 'draft.bodyText'],
    ['a CR in the thread id', { threadId: 'a\rb' }, 'draft.threadId'],
    ['a non-email draft type', { type: 'record' }, 'draft.type'],
  ])('rejects %s', (_name, draft, path) => {
    expect(issuesOf(withDraft(draft)).some((issue) => issue.startsWith(`${path}:`))).toBe(true);
  });

  it('accepts exactly 50 recipients and a 100 KB body', () => {
    const to = Array.from({ length: 50 }, (_, i) => `t${i}@x.com`);
    expect(issuesOf(withDraft({ to, bodyText: 'x'.repeat(100 * 1024) }))).toEqual([]);
  });

  it('rejects a bad workspace id', () => {
    expect(issuesOf({ ...rawProposal(), workspaceId: 'ws acme' })).toContainEqual(
      expect.stringMatching(/^workspaceId:/),
    );
  });

  it('rejects an executedAs without a user id', () => {
    const raw = rawProposal();
    const run = { ...(raw.run as object), executedAs: { kind: 'user' } };
    expect(issuesOf({ ...raw, run })).toContainEqual(expect.stringMatching(/^run.executedAs.userId:/));
  });
});

describe('Workspace Member Changed schema', () => {
  it('accepts the spec example and rejects an unknown role', () => {
    expect(memberChangedSchema.safeParse(rawMemberChange()).success).toBe(true);
    expect(memberChangedSchema.safeParse({ ...rawMemberChange(), role: 'owner' }).success).toBe(false);
  });
});

describe('edit request schema', () => {
  it('refuses to edit from', () => {
    expect(editRequestSchema.safeParse({ version: 1, draft: { from: 'x@y.com' } }).success).toBe(false);
  });
  it('requires a version', () => {
    expect(editRequestSchema.safeParse({ draft: { subject: 'x' } }).success).toBe(false);
  });
});
