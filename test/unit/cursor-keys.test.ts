/**
 * The cursor key ring (issue 20, 3; spec 4 "Cursors and bounds"): the current key signs, a previous key is still
 * accepted after a rotation, a key the ring does not hold is refused as an altered cursor is; the ring's JSON as the
 * secret and the local file hold it, and the local file's rotation.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateCursorKeys, rotateCursorKeys } from '../../infra/local/data-dir.js';
import { ValidationError } from '../../shared/errors.js';
import { newCursorKey, parseCursorKeys, rotatedCursorKeys } from '../../shared/store/cursor-keys.js';
import { openCursor, sealCursor } from '../../shared/store/listing.js';

const binding = JSON.stringify(['items', 'ws_acme', 'u_alice', { kind: 'queue' }]);

describe('the key ring', () => {
  const first = { current: newCursorKey(), previous: [] };

  it('opens what its current key sealed, for the same binding only', () => {
    const cursor = sealCursor({ at: 3 }, binding, first);
    expect(openCursor(cursor, binding, first)).toEqual({ at: 3 });
    expect(() => openCursor(cursor, `${binding} `, first)).toThrow(ValidationError);
  });

  it('after a rotation: seals with the new key, still opens what the previous key sealed', () => {
    const old = sealCursor({ at: 1 }, binding, first);
    const rotated = rotatedCursorKeys(first);
    expect(rotated.previous).toEqual([first.current]);
    expect(rotated.current).not.toBe(first.current);
    expect(openCursor(old, binding, rotated)).toEqual({ at: 1 });
    const fresh = sealCursor({ at: 2 }, binding, rotated);
    expect(fresh).not.toBe(sealCursor({ at: 2 }, binding, first));
    expect(openCursor(fresh, binding, rotated)).toEqual({ at: 2 });
    // The previous key dropped: what it sealed is refused as an altered cursor is.
    const dropped = { current: rotated.current, previous: [] };
    expect(() => openCursor(old, binding, dropped)).toThrow(ValidationError);
    expect(rotatedCursorKeys(rotated, 0).previous).toEqual([]);
  });

  it('refuses a cursor sealed with a key it does not hold', () => {
    const cursor = sealCursor({ at: 1 }, binding, { current: newCursorKey(), previous: [] });
    expect(() => openCursor(cursor, binding, first)).toThrow(ValidationError);
  });
});

describe('the ring as JSON (the secret, the local file)', () => {
  it('reads current and previous keys; previous defaults to none', () => {
    const [a, b] = [newCursorKey(), newCursorKey()];
    expect(parseCursorKeys(JSON.stringify({ current: a, previous: [b] }))).toEqual({
      current: a,
      previous: [b],
    });
    expect(parseCursorKeys(JSON.stringify({ current: a }))).toEqual({ current: a, previous: [] });
  });

  it('refuses what is not a ring: not JSON, no current key, a key too short to be secret', () => {
    expect(() => parseCursorKeys('whsec_abc')).toThrow(/not JSON/);
    expect(() => parseCursorKeys(JSON.stringify({ previous: [] }))).toThrow(/current/);
    expect(() => parseCursorKeys(JSON.stringify({ current: 'short' }))).toThrow(/current/);
  });
});

describe('the local file', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('is created once with a random key, and rotates keeping the old key accepted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cursor-keys-'));
    dirs.push(dir);
    const created = parseCursorKeys(await loadOrCreateCursorKeys(dir));
    expect(parseCursorKeys(await loadOrCreateCursorKeys(dir))).toEqual(created);
    const rotated = await rotateCursorKeys(dir);
    expect(rotated.previous).toEqual([created.current]);
    expect(parseCursorKeys(await readFile(join(dir, 'cursor-keys.json'), 'utf8'))).toEqual(rotated);
    expect((await rotateCursorKeys(dir, 0)).previous).toEqual([]);
  });
});
