import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEphemeralIssuer,
  KEY_FILE_NAME,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  type LocalIssuer,
  loadOrCreateIssuer,
  TokenRejectedError,
} from '../../infra/local/jwt-issuer.js';

let dataDir: string;
let issuer: LocalIssuer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'jwt-issuer-test-'));
  issuer = await loadOrCreateIssuer(dataDir);
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const alice = { workspaceId: 'ws_acme', userId: 'u_alice' };

describe('local JWT issuer', () => {
  it('signs an RS256 token with sub, workspace_id, iss, aud, iat and exp, and verifies it', async () => {
    const token = await issuer.sign({ ...alice, expiresIn: 3600 });

    const claims = await issuer.verify(token);

    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: issuer.jwks.keys[0]?.kid });
    expect(claims).toMatchObject({
      sub: 'u_alice',
      workspace_id: 'ws_acme',
      iss: LOCAL_ISSUER,
      aud: LOCAL_AUDIENCE,
    });
    expect(claims.exp).toBe((claims.iat ?? 0) + 3600);
  });

  it('keeps its key in the data folder and reuses it on the next start', async () => {
    const token = await issuer.sign(alice);

    const restarted = await loadOrCreateIssuer(dataDir);

    await expect(restarted.verify(token)).resolves.toMatchObject({ sub: 'u_alice' });
    expect(restarted.jwks).toEqual(issuer.jwks);
    const stored = JSON.parse(await readFile(join(dataDir, KEY_FILE_NAME), 'utf8'));
    expect(stored.privateJwk.d).toBeTypeOf('string');
  });

  it('publishes only the public key in its JWKS', () => {
    const [key] = issuer.jwks.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(key).not.toHaveProperty('d');
    expect(key).not.toHaveProperty('p');
  });

  it('refuses an expired token', async () => {
    const token = await issuer.sign({ ...alice, expiresIn: -60 });
    await expect(issuer.verify(token)).rejects.toBeInstanceOf(TokenRejectedError);
  });

  it('refuses a token for another audience', async () => {
    const token = await issuer.sign({ ...alice, audience: 'someone-else' });
    await expect(issuer.verify(token)).rejects.toThrow(/aud/);
  });

  it('refuses a token from another issuer', async () => {
    const token = await issuer.sign({ ...alice, issuer: 'https://evil.example.com' });
    await expect(issuer.verify(token)).rejects.toThrow(/iss/);
  });

  it('refuses a token signed by another key', async () => {
    const stranger = await createEphemeralIssuer();
    const token = await stranger.sign(alice);
    await expect(issuer.verify(token)).rejects.toBeInstanceOf(TokenRejectedError);
  });

  it("refuses a token signed by another key that claims this issuer's kid", async () => {
    const stranger = await createEphemeralIssuer();
    const forged = await stranger.sign(alice);
    const [, payload, signature] = forged.split('.');
    const header = Buffer.from(
      JSON.stringify({ alg: 'RS256', kid: issuer.jwks.keys[0]?.kid, typ: 'JWT' }),
    ).toString('base64url');
    await expect(issuer.verify(`${header}.${payload}.${signature}`)).rejects.toBeInstanceOf(
      TokenRejectedError,
    );
  });

  it('refuses an unsigned token (alg none)', async () => {
    const token = new UnsecuredJWT({ workspace_id: 'ws_acme' })
      .setSubject('u_alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime('1h')
      .encode();
    await expect(issuer.verify(token)).rejects.toThrow(/alg/);
  });

  it('refuses an HS256 token keyed with the public modulus (algorithm confusion)', async () => {
    const publicKey = issuer.jwks.keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(publicKey));
    const token = await new SignJWT({ workspace_id: 'ws_acme' })
      .setProtectedHeader({ alg: 'HS256', kid: publicKey?.kid })
      .setSubject('u_alice')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime('1h')
      .sign(secret);
    await expect(issuer.verify(token)).rejects.toThrow(/alg/);
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const token = await issuer.sign(alice);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(token), workspace_id: 'ws_other' })).toString(
      'base64url',
    );
    await expect(issuer.verify(`${header}.${payload}.${signature}`)).rejects.toBeInstanceOf(
      TokenRejectedError,
    );
  });

  it('refuses garbage', async () => {
    await expect(issuer.verify('not-a-token')).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(issuer.verify('')).rejects.toBeInstanceOf(TokenRejectedError);
  });
});
