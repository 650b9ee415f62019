/**
 * The local token issuer, standing in for the identity provider behind API Gateway's JWT authorizer:
 * an RS256 key pair created on first start (kept in the data folder, reused after), tokens carrying
 * `sub` and `workspace_id`, and verification as strict as the authorizer's: RS256 only, a known `kid`,
 * the right signature, issuer and audience, `exp` present and not past, `nbf` respected.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  type CryptoKey,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import * as z from 'zod';
import { readOrCreate } from './data-dir.js';

export const LOCAL_ISSUER = 'for-review-local';
export const LOCAL_AUDIENCE = 'for-review';
const ALG = 'RS256';
export const KEY_FILE_NAME = 'jwt-signing-key.json';
/** How long a local token lasts unless asked otherwise: `npm run token` and the banner's demo token alike. */
export const DEFAULT_TOKEN_LIFETIME = '12h';

export interface SignOptions {
  workspaceId: string;
  userId: string;
  /** Seconds from now (negative: already expired), or a duration like '12h'. Default DEFAULT_TOKEN_LIFETIME. */
  expiresIn?: number | string;
  /** Overrides, for tests that need a token the gateway must refuse. */
  audience?: string;
  issuer?: string;
}

export interface JsonWebKeySet {
  keys: JWK[];
}

export interface LocalIssuer {
  issuer: string;
  audience: string;
  /** The public key set, as served at `/.well-known/jwks.json`. */
  jwks: JsonWebKeySet;
  sign(options: SignOptions): Promise<string>;
  /** The verified claims; throws TokenRejectedError for any token the JWT authorizer would refuse. */
  verify(token: string): Promise<JWTPayload>;
}

/** Why a token was refused: what the gateway logs (the caller only ever sees 401 Unauthorized). */
export type RejectionKind = 'malformed' | 'unknown-key' | 'signature' | 'expired' | 'claims';

export class TokenRejectedError extends Error {
  constructor(
    reason: string,
    readonly kind: RejectionKind = 'malformed',
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'TokenRejectedError';
  }
}

const storedKeySchema = z.object({
  kid: z.string().min(1),
  privateJwk: z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string() }).loose(),
});
type StoredKey = z.infer<typeof storedKeySchema>;

/** The issuer whose key lives in `<dataDir>/jwt-signing-key.json`, creating the key when absent. */
export async function loadOrCreateIssuer(dataDir: string): Promise<LocalIssuer> {
  const file = join(dataDir, KEY_FILE_NAME);
  const text = await readOrCreate(file, async () => `${JSON.stringify(await newStoredKey(), null, 2)}\n`);
  const parsed = storedKeySchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${file} is not a signing key written by the local runtime: delete it`);
  return issuerFor(parsed.data);
}

/** An issuer with a fresh key that is kept nowhere (tests: "a token signed by another key"). */
export async function createEphemeralIssuer(): Promise<LocalIssuer> {
  return issuerFor(await newStoredKey());
}

async function newStoredKey(): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return storedKeySchema.parse({ kid: randomUUID(), privateJwk: jwk });
}

async function issuerFor(stored: StoredKey): Promise<LocalIssuer> {
  const { kid, privateJwk } = stored;
  const publicJwk: JWK = { kty: 'RSA', n: privateJwk.n, e: privateJwk.e, kid, alg: ALG, use: 'sig' };
  const privateKey = await importKey({ ...privateJwk, alg: ALG });
  const publicKey = await importKey(publicJwk);

  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwks: { keys: [publicJwk] },
    sign: (options) =>
      new SignJWT({ workspace_id: options.workspaceId })
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .setSubject(options.userId)
        .setIssuer(options.issuer ?? LOCAL_ISSUER)
        .setAudience(options.audience ?? LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expirationOf(options.expiresIn ?? DEFAULT_TOKEN_LIFETIME))
        .sign(privateKey),
    verify: async (token) => {
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(token);
      } catch (cause) {
        throw new TokenRejectedError('The token is not a JWS', 'malformed', { cause });
      }
      if (header.alg !== ALG)
        throw new TokenRejectedError(`The token's alg is ${String(header.alg)}, not ${ALG}`);
      if (header.kid !== kid) {
        throw new TokenRejectedError(
          `The token was signed by a key this issuer does not know (kid ${String(header.kid ?? 'none')}; this issuer's kid is ${kid})`,
          'unknown-key',
        );
      }
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: [ALG],
          issuer: LOCAL_ISSUER,
          audience: LOCAL_AUDIENCE,
          requiredClaims: ['exp'],
        });
        return payload;
      } catch (cause) {
        throw rejectionOf(token, cause);
      }
    },
  };
}

function rejectionOf(token: string, cause: unknown): TokenRejectedError {
  const message = cause instanceof Error ? cause.message : 'invalid';
  if (cause instanceof errors.JWTExpired) {
    const exp = safeClaims(token).exp;
    const when = typeof exp === 'number' ? ` at ${new Date(exp * 1_000).toISOString()}` : '';
    return new TokenRejectedError(`The token expired${when}`, 'expired', { cause });
  }
  if (cause instanceof errors.JWTClaimValidationFailed) {
    const value = safeClaims(token)[cause.claim];
    return new TokenRejectedError(
      `The token's ${cause.claim} claim is ${JSON.stringify(value)}: ${message} (this issuer: iss ${LOCAL_ISSUER}, aud ${LOCAL_AUDIENCE})`,
      'claims',
      { cause },
    );
  }
  if (cause instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRejectedError(
      "The token's signature does not verify with this issuer's key",
      'signature',
      {
        cause,
      },
    );
  return new TokenRejectedError(`The token was refused: ${message}`, 'malformed', { cause });
}

function safeClaims(token: string): JWTPayload {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}

async function importKey(jwk: JWK): Promise<CryptoKey> {
  const key = await importJWK(jwk, ALG);
  if (key instanceof Uint8Array) throw new Error('Expected an RSA key, got a symmetric secret');
  return key;
}

/** jose reads a number as an absolute time; here a number means seconds from now. */
function expirationOf(expiresIn: number | string): number | string {
  return typeof expiresIn === 'number' ? Math.floor(Date.now() / 1_000) + expiresIn : expiresIn;
}
