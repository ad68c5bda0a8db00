import { createHmac } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import * as jsonwebtoken from 'jsonwebtoken';
import { jwtOptions } from './auth.module';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, TokenService } from './token.service';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const ISSUER = 'maas';
const AUDIENCE = 'maas-api';

/** The JwtService exactly as AuthModule registers it. */
function jwtService(secret = SECRET): JwtService {
  return new JwtService(jwtOptions({ jwtSecret: secret, jwtIssuer: ISSUER, jwtAudience: AUDIENCE }));
}

const service = new TokenService(jwtService());
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with jsonwebtoken directly: valid unless the overrides break it (undefined removes a default). */
function forge(
  payload: Record<string, unknown> = {},
  options: jsonwebtoken.SignOptions = {},
  secret: string = SECRET,
): string {
  const merged: Record<string, unknown> = { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60, ...options };
  // jsonwebtoken refuses options set to undefined: an undefined override means "leave it out".
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return jsonwebtoken.sign({ sub: 'alice', roles: [], ...payload }, secret, merged as jsonwebtoken.SignOptions);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A correctly HS256-signed token with any payload at all, for claims jsonwebtoken.sign refuses to write. */
function signRaw(payload: unknown, secret = SECRET): string {
  const content = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}`;
  return `${content}.${createHmac('sha256', secret).update(content).digest('base64url')}`;
}

const validClaims = () => ({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 60 });

describe('TokenService', () => {
  describe('a token it issued', () => {
    it('round-trips the user id and roles', () => {
      const token = service.issue({ userId: 'alice', roles: ['admin', 'ops'] }, 60);
      expect(service.verify(token)).toEqual({ userId: 'alice', roles: ['admin', 'ops'] });
    });

    it('round-trips the premium claim', () => {
      const token = service.issue({ userId: 'carol', roles: [], claimsPremium: true }, 60);
      expect(jsonwebtoken.decode(token)).toMatchObject({ tier: 'premium' });
      expect(service.verify(token)).toEqual({ userId: 'carol', roles: [], claimsPremium: true });
    });

    it('round-trips an empty role list', () => {
      expect(service.verify(service.issue({ userId: 'bob', roles: [] }, 60))).toEqual({ userId: 'bob', roles: [] });
    });

    it('carries HS256, iss, aud, sub and an exp the given number of seconds ahead', () => {
      const before = now();
      const token = service.issue({ userId: 'alice', roles: [] }, 3600);
      const { header, payload } = jsonwebtoken.decode(token, { complete: true }) as jsonwebtoken.Jwt;
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      const claims = payload as jsonwebtoken.JwtPayload;
      expect(claims).toMatchObject({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, roles: [] });
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(claims.iat).toBeGreaterThanOrEqual(before);
    });

    it('is refused by a service with another secret', () => {
      const other = new TokenService(jwtService('another-secret-that-is-at-least-32-bytes'));
      expect(other.verify(service.issue({ userId: 'alice', roles: [] }, 60))).toBeUndefined();
    });

    it('is refused once it has expired', () => {
      expect(service.verify(service.issue({ userId: 'alice', roles: [] }, -1))).toBeUndefined();
    });
  });

  describe('a forged token', () => {
    it('is accepted when it follows every rule, with roles defaulting to []', () => {
      expect(service.verify(forge({ sub: 'alice', roles: undefined }))).toEqual({ userId: 'alice', roles: [] });
    });

    it.each([
      ['a 64-character user id', 'a'.repeat(64)],
      ['a one-character user id', 'x'],
      ['every allowed punctuation mark', 'user.name_1:team@example-org'],
    ])('is accepted with %s', (_label, sub) => {
      expect(service.verify(forge({ sub }))).toEqual({ userId: sub, roles: [] });
    });

    it.each([['free'], ['Premium'], ['premium ']])('reads tier %j as no premium claim', (tier) => {
      expect(service.verify(forge({ tier }))).toEqual({ userId: 'alice', roles: [] });
    });

    it.each([[['premium']], [1], [true], [{ tier: 'premium' }]])('refuses a tier that is not a string: %j', (tier) => {
      expect(service.verify(forge({ tier }))).toBeUndefined();
    });

    it('is accepted with an audience list that includes the API', () => {
      expect(service.verify(forge({}, { audience: ['other', AUDIENCE] }))).toEqual({ userId: 'alice', roles: [] });
    });

    it.each<[string, () => string]>([
      ['it has expired', () => forge({ exp: now() - 10 }, { expiresIn: undefined })],
      ['it expires this very second', () => forge({ exp: now() }, { expiresIn: undefined })],
      ['it has no exp', () => forge({}, { expiresIn: undefined, noTimestamp: true })],
      ['it has no exp but an iat', () => forge({}, { expiresIn: undefined })],
      ['its exp is a string', () => signRaw({ ...validClaims(), exp: String(now() + 60) })],
      ['its exp is null', () => signRaw({ ...validClaims(), exp: null })],
      ['it is not valid yet', () => forge({}, { notBefore: 3600 })],
      ['it names another issuer', () => forge({}, { issuer: 'someone-else' })],
      ['it has no issuer', () => forge({}, { issuer: undefined })],
      ['its issuer differs only in case', () => forge({}, { issuer: 'MAAS' })],
      ['it names another audience', () => forge({}, { audience: 'other-api' })],
      ['it has no audience', () => forge({}, { audience: undefined })],
      ['it is signed with HS384', () => forge({}, { algorithm: 'HS384' })],
      ['it is signed with HS512', () => forge({}, { algorithm: 'HS512' })],
      ['it is signed with another secret', () => forge({}, {}, 'another-secret-that-is-at-least-32-bytes')],
      ['it is signed with a prefix of the secret', () => forge({}, {}, SECRET.slice(0, -1))],
    ])('is refused when %s', (_label, token) => {
      expect(service.verify(token())).toBeUndefined();
    });

    it('is refused with alg "none"', () => {
      const unsigned = jsonwebtoken.sign({ sub: 'alice', roles: ['admin'] }, '', {
        algorithm: 'none',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 60,
      });
      expect(unsigned.endsWith('.')).toBe(true);
      expect(service.verify(unsigned)).toBeUndefined();
    });

    it('is refused with alg "none" and the original signature kept', () => {
      const [, payload, signature] = forge({ roles: ['admin'] }).split('.');
      expect(service.verify(`${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`)).toBeUndefined();
    });

    it('is refused when its payload was changed after signing', () => {
      const [header, payload, signature] = forge({ sub: 'alice', roles: [] }).split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const tampered = base64url({ ...claims, roles: ['admin'] });
      expect(service.verify(`${header}.${payload}.${signature}`)).toEqual({ userId: 'alice', roles: [] });
      expect(service.verify(`${header}.${tampered}.${signature}`)).toBeUndefined();
    });

    it('is refused when its signature was changed', () => {
      const token = forge();
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      expect(service.verify(`${token.slice(0, -1)}${last}`)).toBeUndefined();
      expect(service.verify(`${token.split('.').slice(0, 2).join('.')}.`)).toBeUndefined();
    });

    it.each<[string, Record<string, unknown>]>([
      ['sub is missing', { sub: undefined }],
      ['sub is empty', { sub: '' }],
      ['sub is 65 characters', { sub: 'a'.repeat(65) }],
      ['sub contains a space', { sub: 'alice smith' }],
      ['sub contains a brace', { sub: 'alice{' }],
      ['sub ends with a newline', { sub: 'alice\n' }],
      ['sub contains a slash', { sub: 'alice/../bob' }],
      ['sub contains a non-ASCII letter', { sub: 'alicé' }],
      ['sub is a number', { sub: 12345 }],
      ['sub is an array', { sub: ['alice'] }],
      ['sub is null', { sub: null }],
      ['roles is a string', { roles: 'admin' }],
      ['roles is an object', { roles: { 0: 'admin' } }],
      ['roles is null', { roles: null }],
      ['roles contains a number', { roles: ['admin', 1] }],
      ['roles contains null', { roles: [null] }],
      ['roles contains a nested array', { roles: [['admin']] }],
    ])('is refused when %s', (_label, claims) => {
      expect(service.verify(forge(claims))).toBeUndefined();
    });
  });

  describe('its lifetime', () => {
    const hourLong = new TokenService(jwtService(), 3600);

    it('defaults to at most 30 days ahead', () => {
      expect(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS).toBe(30 * 86_400);
      expect(service.maxLifetimeSeconds).toBe(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS);
    });

    it.each<[string, number]>([
      ['a year', 365 * 86_400],
      ['31 days', 31 * 86_400],
      ['30 days and a minute', 30 * 86_400 + 60],
    ])('refuses an exp %s ahead', (_label, seconds) => {
      expect(service.verify(forge({ exp: now() + seconds }, { expiresIn: undefined }))).toBeUndefined();
      expect(service.verify(signRaw({ ...validClaims(), exp: now() + seconds }))).toBeUndefined();
    });

    it('accepts an exp just under 30 days ahead', () => {
      expect(service.verify(forge({ exp: now() + 30 * 86_400 - 60 }, { expiresIn: undefined }))).toEqual({ userId: 'alice', roles: [] });
    });

    it('follows the configured maximum', () => {
      expect(hourLong.verify(forge({}, { expiresIn: 3600 - 30 }))).toEqual({ userId: 'alice', roles: [] });
      expect(hourLong.verify(forge({}, { expiresIn: 3600 + 30 }))).toBeUndefined();
      expect(hourLong.verify(service.issue({ userId: 'alice', roles: [] }, 7200))).toBeUndefined();
    });

    it('is never issued longer than it would be accepted', () => {
      expect(() => hourLong.issue({ userId: 'alice', roles: [] }, 3601)).toThrow(RangeError);
      expect(hourLong.verify(hourLong.issue({ userId: 'alice', roles: [] }, 3600))).toEqual({ userId: 'alice', roles: [] });
      expect(() => service.issue({ userId: 'alice', roles: [] }, 24 * 3600)).not.toThrow();
    });
  });

  describe('garbage', () => {
    it.each(['', 'abc', 'a.b.c', '...', 'Bearer x.y.z', `${base64url({ alg: 'HS256' })}.${base64url('x')}.`])(
      'refuses %j without throwing',
      (token) => {
        expect(service.verify(token)).toBeUndefined();
      },
    );

    it('accepts a hand-signed token with valid claims, so the helper below signs correctly', () => {
      expect(service.verify(signRaw(validClaims()))).toEqual({ userId: 'alice', roles: [] });
    });

    it.each([
      ['a string', 'alice'],
      ['a number', 42],
      ['an array', [validClaims()]],
      ['null', null],
    ])('refuses a correctly signed token whose payload is %s', (_label, payload) => {
      expect(service.verify(signRaw(payload))).toBeUndefined();
    });
  });
});
