/**
 * Typed errors. Domain errors end in `Error` and carry `cause`; the HTTP layer maps them with
 * `instanceof` (shared/http/problem.ts). Anything else is a generic 500 that exposes nothing.
 */
import type * as z from 'zod/mini';

export interface FieldIssue {
  path: string;
  message: string;
}

/** zod issues as `{ path, message }` pairs for problem details and rejection logs. */
export function zodIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Extra members for the problem details document (RFC 9457 extensions). */
  get extensions(): Record<string, unknown> {
    return {};
  }
}

/** Input that does not match its schema. */
export class ValidationError extends DomainError {
  readonly status = 400;
  readonly title = 'Invalid input';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  override get extensions() {
    return { errors: this.issues };
  }
}

/**
 * A cursor the caller may not continue from (spec 4 "Cursors and bounds"): altered, truncated, signed with a key the
 * deployment does not hold, made for another caller, list or filter, or given by a caller who has no list at all.
 */
export const invalidCursor = () =>
  new ValidationError('The cursor is invalid or belongs to another listing', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);

/** No token, or a token without the claims this API needs. */
export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

/** The caller can see the item but may not do this to it. */
export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

/** Unknown, invisible, or other-workspace ids: they do not exist for this caller. */
export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly title = 'Not found';
}

/** Another action won, or the version the caller saw is stale. Carries the item's current state. */
export class ConflictError extends DomainError {
  readonly status = 409;
  readonly title = 'Conflict';
  constructor(
    message: string,
    readonly current: { status: string; version: number },
    options?: { cause?: unknown; drifted?: string[]; conflicts?: string[] },
  ) {
    super(message, options);
    this.drifted = options?.drifted;
    this.conflicts = options?.conflicts;
  }

  /** A record draft's drifted changes, when they are why (spec 3). */
  readonly drifted?: string[];
  /** A record draft's fields other open drafts propose different results for, when they are why (spec 3). */
  readonly conflicts?: string[];

  override get extensions() {
    return {
      current: this.current,
      ...(this.drifted ? { drifted: this.drifted } : {}),
      ...(this.conflicts ? { conflicts: this.conflicts } : {}),
    };
  }
}

/** A conditional write lost a race; the use case decides whether to retry. */
export class WriteConflictError extends Error {
  /** The records whose conditions failed, as DynamoDB returned them (ALL_OLD), when it did. */
  oldRecords: Record<string, unknown>[] = [];
  constructor(
    message: string,
    readonly reasons: (string | undefined)[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WriteConflictError';
  }

  /**
   * Cancelled only because another transaction was committing on the same items (`TransactionConflict`), with no
   * condition failing: it says nothing about the items' state, and the same write may well succeed again.
   */
  get inFlightOnly(): boolean {
    return this.reasons.includes('TransactionConflict') && !this.reasons.includes('ConditionalCheckFailed');
  }
}
