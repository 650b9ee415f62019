/**
 * Conflicts between record drafts (spec 3, "Conflicts between drafts"): two open `record.update` items of one
 * record, with different dedup keys, that propose different results for the same field. What a change proposes is
 * its intent (the reviewer's edit, else the automation's value). **Decided** (docs/spec.md, "Conflicts between drafts"):
 * - `set` and `set_if_empty` against either: a conflict when the values differ (each would leave its own value, and
 *   whichever the CRM applies last, or first for `set_if_empty`, wins silently);
 * - `add` against `add`, `remove` against `remove`: never (they commute);
 * - `add` against `remove`: a conflict when they name a value in common (the order decides whether it is held);
 * - a scalar change against a multi-value one: always (they disagree on what the field is).
 */
import type { FieldConflict } from '../kind.js';
import { type ChangeIntent, previewValue, sameValue } from '../record-values.js';

const scalar = (op: ChangeIntent['op']) => op === 'set' || op === 'set_if_empty';

/** Whether two changes of one field lead to different results. */
export function changesConflict(a: ChangeIntent, b: ChangeIntent): boolean {
  if (scalar(a.op) && scalar(b.op)) return !sameValue(a.after, b.after);
  if (scalar(a.op) !== scalar(b.op)) return true;
  if (a.op === b.op) return false;
  const named = new Set(a.values ?? []);
  return (b.values ?? []).some((value) => named.has(value));
}

/** The fields on which `theirs` proposes a different result than `mine`, with what `theirs` proposes. */
export function fieldConflicts(
  mine: { field: string; intent: ChangeIntent }[],
  theirs: { field: string; intent: ChangeIntent }[],
): FieldConflict[] {
  const byField = new Map(theirs.map((change) => [change.field, change.intent]));
  return mine.flatMap(({ field, intent }) => {
    const their = byField.get(field);
    if (!their || !changesConflict(intent, their)) return [];
    const proposed = {
      op: their.op,
      ...(their.after !== undefined ? { after: previewValue(their.after) } : {}),
      ...(their.values !== undefined ? { values: previewValue(their.values) } : {}),
    };
    return [{ field, proposed }];
  });
}
