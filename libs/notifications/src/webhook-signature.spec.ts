import { createHmac } from 'node:crypto';
import { newWebhookSecret, signWebhook, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec_test_secret_0123456789';
const BODY = '{"id":"dlv_1","type":"meme.ready","createdAt":"2030-01-01T00:00:00.000Z","data":{"caption":"ça va \\"bien\\""}}';
const T = 1_893_456_000; // 2030-01-01T00:00:00Z
const AT_T = new Date(T * 1000);

describe('signWebhook', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, T, BODY)).toBe(`t=${T},v1=${expected}`);
  });

  it('signs bytes and their UTF-8 string alike', () => {
    expect(signWebhook(SECRET, T, Buffer.from(BODY, 'utf8'))).toBe(signWebhook(SECRET, T, BODY));
  });

  it('refuses an empty secret and a timestamp that is not whole seconds', () => {
    expect(() => signWebhook('', T, BODY)).toThrow(TypeError);
    expect(() => signWebhook(SECRET, 1.5, BODY)).toThrow(RangeError);
    expect(() => signWebhook(SECRET, Date.now() * 1000 * 1000, BODY)).toThrow(RangeError);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhook(SECRET, T, BODY);

  it('accepts its own signature, over the string or the raw bytes', () => {
    expect(verifyWebhookSignature(header, SECRET, BODY, { now: AT_T })).toBe(true);
    expect(verifyWebhookSignature(header, SECRET, Buffer.from(BODY, 'utf8'), { now: AT_T })).toBe(true);
  });

  it('rejects a tampered body, even a re-serialized one', () => {
    expect(verifyWebhookSignature(header, SECRET, BODY.replace('meme.ready', 'meme.reaDy'), { now: AT_T })).toBe(false);
    expect(verifyWebhookSignature(header, SECRET, JSON.stringify(JSON.parse(BODY), null, 1), { now: AT_T })).toBe(false);
    expect(verifyWebhookSignature(header, SECRET, `${BODY} `, { now: AT_T })).toBe(false);
  });

  it('rejects the wrong secret', () => {
    expect(verifyWebhookSignature(header, `${SECRET}x`, BODY, { now: AT_T })).toBe(false);
    expect(verifyWebhookSignature(header, newWebhookSecret(), BODY, { now: AT_T })).toBe(false);
  });

  it('rejects a timestamp outside the tolerance, in the past or the future', () => {
    const at = (offsetSeconds: number, toleranceSeconds?: number) =>
      verifyWebhookSignature(header, SECRET, BODY, { now: new Date((T + offsetSeconds) * 1000), toleranceSeconds });
    expect(at(300)).toBe(true);
    expect(at(-300)).toBe(true);
    expect(at(301)).toBe(false);
    expect(at(-301)).toBe(false);
    expect(at(3600)).toBe(false);
    expect(at(60, 30)).toBe(false);
    expect(at(60, 120)).toBe(true);
    expect(at(0, 0)).toBe(true);
  });

  it('uses the current time by default', () => {
    const fresh = signWebhook(SECRET, Math.floor(Date.now() / 1000), BODY);
    expect(verifyWebhookSignature(fresh, SECRET, BODY)).toBe(true);
    expect(verifyWebhookSignature(header, SECRET, BODY)).toBe(false); // signed for 2030
  });

  it('rejects a replay with a new timestamp on the old signature', () => {
    const v1 = header.split(',v1=')[1];
    expect(verifyWebhookSignature(`t=${T + 600},v1=${v1}`, SECRET, BODY, { now: new Date((T + 600) * 1000) })).toBe(false);
  });

  const v1 = header.split(',v1=')[1];
  it.each([
    ['missing', undefined],
    ['null', null],
    ['empty', ''],
    ['no timestamp', `v1=${v1}`],
    ['no signature', `t=${T}`],
    ['two timestamps', `t=${T},t=${T},v1=${v1}`],
    ['a non-numeric timestamp', `t=${T}x,v1=${v1}`],
    ['a negative timestamp', `t=-${T},v1=${v1}`],
    ['a timestamp in milliseconds', `t=${T}000,v1=${v1}`],
    ['a short signature', `t=${T},v1=${v1.slice(0, 63)}`],
    ['a long signature', `t=${T},v1=${v1}0`],
    ['a non-hex signature', `t=${T},v1=${'z'.repeat(64)}`],
    ['a part without =', `t=${T},v1=${v1},garbage`],
    ['an empty key', `t=${T},=${v1}`],
    ['only another scheme', `t=${T},v0=${v1}`],
    ['a huge header', `t=${T},v1=${v1},${'x=1,'.repeat(1000)}`],
    ['the signature alone', v1],
  ])('rejects a malformed header: %s', (_name, malformed) => {
    expect(verifyWebhookSignature(malformed as string | undefined, SECRET, BODY, { now: AT_T })).toBe(false);
  });

  it('accepts any matching v1 among several (secret rotation), spaces and unknown schemes ignored', () => {
    const other = signWebhook('whsec_old', T, BODY).split(',v1=')[1];
    expect(verifyWebhookSignature(`t=${T}, v1=${other}, v1=${v1}, v2=abc`, SECRET, BODY, { now: AT_T })).toBe(true);
    expect(verifyWebhookSignature(`t=${T},v1=${v1.toUpperCase()}`, SECRET, BODY, { now: AT_T })).toBe(true);
  });

  it('refuses to run with an empty secret, which would accept bodies signed with the empty key', () => {
    const forged = signWebhook(' ', T, BODY);
    expect(() => verifyWebhookSignature(forged, '', BODY, { now: AT_T })).toThrow(TypeError);
    expect(() => verifyWebhookSignature(header, SECRET, BODY, { toleranceSeconds: -1 })).toThrow(RangeError);
  });
});

describe('newWebhookSecret', () => {
  it('is whsec_ and 32 random bytes in base64url, different every time', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newWebhookSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret.slice('whsec_'.length), 'base64url')).toHaveLength(32);
    }
  });
});
