/**
 * How much of a text changed, 0 (the same) to 1 (nothing kept): 1 − 2·M / (|A| + |B|) over word tokens (words and
 * the whitespace and punctuation between them), M being the tokens the two texts share in order (their longest
 * common subsequence), as difflib's ratio. The common head and tail are matched first, so a local edit of a long
 * body costs little; a middle too large to compare token by token (over MAX_CELLS) counts as wholly changed.
 */
const MAX_CELLS = 4_000_000;

const tokensOf = (text: string): string[] => text.match(/\w+|\s+|[^\w\s]+/gu) ?? [];

export function textChangeRatio(before: string, after: string): number {
  if (before === after) return 0;
  const a = tokensOf(before);
  const b = tokensOf(after);
  const total = a.length + b.length;
  if (total === 0) return 0;
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const matched = head + tail + commonSubsequence(midA, midB);
  return round(1 - (2 * matched) / total);
}

/** The length of the longest common subsequence (two rows of the table), 0 when the table would be too large. */
function commonSubsequence(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_CELLS) return 0;
  let previous = new Uint32Array(b.length + 1);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] =
        a[i - 1] === b[j - 1]
          ? (previous[j - 1] as number) + 1
          : Math.max(previous[j] as number, current[j - 1] as number);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] as number;
}

const round = (ratio: number) => Math.min(1, Math.max(0, Math.round(ratio * 1000) / 1000));
