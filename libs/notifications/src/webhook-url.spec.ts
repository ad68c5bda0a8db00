import dns, { LookupAddress } from 'node:dns';
import { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH, vetWebhookHost } from './webhook-url';

const STRICT = { allowPrivateNetworks: false };
const LOCAL_DEV = { allowPrivateNetworks: true };

/** Replaces DNS for one test; restored after each. */
function resolveTo(...addresses: string[]) {
  const answer: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return jest.spyOn(dns.promises, 'lookup').mockResolvedValue(answer as never);
}

function dnsError(code: string) {
  return jest.spyOn(dns.promises, 'lookup').mockRejectedValue(Object.assign(new Error(`lookup failed: ${code}`), { code }));
}

afterEach(() => jest.restoreAllMocks());

describe('checkWebhookUrl: literal IP addresses (no DNS)', () => {
  let lookup: jest.SpyInstance;
  beforeEach(() => {
    lookup = jest.spyOn(dns.promises, 'lookup').mockRejectedValue(new Error('a literal IP must not be looked up'));
  });
  afterEach(() => expect(lookup).not.toHaveBeenCalled());

  // [host as written in the URL, words the reason must contain]
  const refused: [string, string][] = [
    // IPv4, IANA special-purpose registry
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['10.0.0.1', 'private-network'],
    ['10.255.255.255', 'private-network'],
    ['172.16.0.1', 'private-network'],
    ['172.31.255.255', 'private-network'],
    ['192.168.0.1', 'private-network'],
    ['192.168.255.255', 'private-network'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['192.0.0.8', 'reserved'],
    ['192.88.99.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['254.1.2.3', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv4 spellings the URL parser normalizes
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['017700000001', 'loopback'],
    ['127.1', 'loopback'],
    ['127.0.0.1.', 'loopback'],
    ['%31%32%37.0.0.1', 'loopback'],
    ['0', 'unspecified'],
    ['0x0a.0.0.1', 'private-network'],
    ['3232235777', 'private-network'],
    ['0xA9FEA9FE', 'link-local'],
    ['0251.0376.0251.0376', 'link-local'],
    // IPv6
    ['[::1]', 'loopback'],
    ['[0:0:0:0:0:0:0:1]', 'loopback'],
    ['[::]', 'unspecified'],
    ['[fe80::1]', 'link-local'],
    ['[febf:ffff::1]', 'link-local'],
    ['[fec0::1]', 'site-local'],
    ['[fc00::1]', 'unique local'],
    ['[fd12:3456:789a::1]', 'unique local'],
    ['[ff02::1]', 'multicast'],
    ['[ff05::1:3]', 'multicast'],
    ['[2001:db8::1]', 'documentation'],
    ['[3fff::1]', 'documentation'],
    ['[2001:2::1]', 'benchmarking'],
    ['[2001::1]', 'Teredo'],
    ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', 'Teredo'],
    ['[2001:10::1]', 'reserved'],
    ['[100::1]', 'outside the global unicast range'],
    ['[4000::1]', 'outside the global unicast range'],
    ['[::ffff:0:7f00:1]', 'outside the global unicast range'],
    // IPv4 inside IPv6: judged by the IPv4 address they lead to
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['[0:0:0:0:0:ffff:7f00:1]', 'loopback'],
    ['[::ffff:10.0.0.1]', 'private-network'],
    ['[::ffff:a9fe:a9fe]', 'link-local'],
    ['[::ffff:0.0.0.0]', 'unspecified'],
    ['[::127.0.0.1]', 'IPv4-compatible'],
    ['[::7f00:1]', 'IPv4-compatible'],
    ['[::8.8.8.8]', 'IPv4-compatible'],
    ['[64:ff9b::10.0.0.1]', 'private-network'],
    ['[64:ff9b::7f00:1]', 'loopback'],
    ['[64:ff9b::a9fe:a9fe]', 'link-local'],
    ['[64:ff9b:1::1]', 'local-use NAT64'],
    ['[2002:7f00:1::1]', 'loopback'],
    ['[2002:c0a8:101::1]', 'private-network'],
    ['[2002:a9fe:a9fe::]', 'link-local'],
    ['[2002:a00:1:1::1]', 'private-network'],
  ];

  it.each(refused)('refuses https://%s/ (%s)', async (host, kind) => {
    const result = await checkWebhookUrl(`https://${host}/hook`, STRICT);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(kind);
    expect(!result.ok && result.reason).toContain('public internet address');
  });

  const allowed: [string, string][] = [
    ['93.184.216.34', 'https://93.184.216.34/hook'],
    ['8.8.8.8', 'https://8.8.8.8/hook'],
    ['172.15.255.255', 'https://172.15.255.255/hook'],
    ['172.32.0.1', 'https://172.32.0.1/hook'],
    ['100.63.255.255', 'https://100.63.255.255/hook'],
    ['100.128.0.1', 'https://100.128.0.1/hook'],
    ['198.17.255.255', 'https://198.17.255.255/hook'],
    ['198.20.0.1', 'https://198.20.0.1/hook'],
    ['223.1.2.3', 'https://223.1.2.3/hook'],
    ['1572395042 (93.184.216.34 as a number)', 'https://93.184.216.34/hook'],
    ['[2606:2800:220:1:248:1893:25c8:1946]', 'https://[2606:2800:220:1:248:1893:25c8:1946]/hook'],
    ['[2001:4860:4860::8888]', 'https://[2001:4860:4860::8888]/hook'],
    ['[::ffff:93.184.216.34]', 'https://[::ffff:5db8:d822]/hook'],
    ['[64:ff9b::93.184.216.34]', 'https://[64:ff9b::5db8:d822]/hook'],
    ['[2002:5db8:d822::1]', 'https://[2002:5db8:d822::1]/hook'],
  ];

  it.each(allowed)('accepts https://%s/ without DNS', async (host, href) => {
    const written = host.includes('(') ? '1572395042' : host;
    const result = await checkWebhookUrl(`https://${written}/hook`, STRICT);
    expect(result).toEqual({ ok: true, url: new URL(href) });
  });

  it('accepts any literal address when private networks are allowed', async () => {
    for (const host of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '[::1]', '[fd00::1]']) {
      expect((await checkWebhookUrl(`http://${host}:8080/hook`, LOCAL_DEV)).ok).toBe(true);
    }
  });
});

describe('checkWebhookUrl: URL syntax', () => {
  beforeEach(() => {
    jest.spyOn(dns.promises, 'lookup').mockRejectedValue(new Error('syntax checks need no DNS'));
  });

  const refused: [string, string, string][] = [
    ['not a URL', 'notaurl', 'not a valid absolute URL'],
    ['a relative URL', '/hooks/maas', 'not a valid absolute URL'],
    ['a bare host', 'example.com/hook', 'not a valid absolute URL'],
    ['ftp', 'ftp://93.184.216.34/hook', 'must start with https://'],
    ['javascript', 'javascript:alert(1)', 'must start with https://'],
    ['file', 'file:///etc/passwd', 'must start with https://'],
    ['gopher', 'gopher://93.184.216.34:70/_', 'must start with https://'],
    ['plain http in production', 'http://93.184.216.34/hook', 'must start with https://'],
    ['user and password', 'https://user:secret@93.184.216.34/hook', 'user name or password'],
    ['a user alone', 'https://user@93.184.216.34/hook', 'user name or password'],
    ['a fragment', 'https://93.184.216.34/hook#section', 'fragment'],
    ['an empty fragment', 'https://93.184.216.34/hook#', 'fragment'],
    ['port 0', 'https://93.184.216.34:0/hook', 'port'],
    ['a port past 65535', 'https://93.184.216.34:65536/hook', 'not a valid absolute URL'],
    ['a leading space', ' https://93.184.216.34/hook', 'spaces or control characters'],
    ['a tab inside', 'https://93.184.216.34/ho\tok', 'spaces or control characters'],
    ['a newline inside', 'https://93.184.216.34/hook\n', 'spaces or control characters'],
    ['a NUL', 'https://93.184.216.34/hook\u0000', 'spaces or control characters'],
    ['a no-break space', 'https://93.184.216.34/ho\u00a0ok', 'spaces or control characters'],
    ['too long', `https://93.184.216.34/${'a'.repeat(MAX_WEBHOOK_URL_LENGTH)}`, `longer than ${MAX_WEBHOOK_URL_LENGTH}`],
    // 1022 characters as typed, 6022 once each 'é' is percent-encoded
    ['too long once encoded', `https://93.184.216.34/${'é'.repeat(1000)}`, `longer than ${MAX_WEBHOOK_URL_LENGTH}`],
  ];

  it.each(refused)('refuses %s', async (_name, raw, reason) => {
    const result = await checkWebhookUrl(raw, STRICT);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('accepts a URL of exactly the maximum length, with a port and a query', async () => {
    const start = 'https://93.184.216.34:8443/hooks?token=';
    const raw = start + 'x'.repeat(MAX_WEBHOOK_URL_LENGTH - start.length);
    const result = await checkWebhookUrl(raw, STRICT);
    expect(result.ok && result.url.href).toBe(raw);
    expect(result.ok && result.url.port).toBe('8443');
  });

  it('allows plain http only with private networks allowed, and says which schemes are allowed', async () => {
    expect((await checkWebhookUrl('http://93.184.216.34/hook', LOCAL_DEV)).ok).toBe(true);
    expect(await checkWebhookUrl('ftp://93.184.216.34/hook', LOCAL_DEV)).toEqual({ ok: false, reason: 'the URL must start with http:// or https://' });
  });
});

describe('checkWebhookUrl: host names', () => {
  it('refuses localhost, which resolves to loopback, without naming the address', async () => {
    const result = await checkWebhookUrl('https://localhost/hook', STRICT);
    expect(result).toEqual({ ok: false, reason: 'the host localhost resolves to a loopback address; webhooks must go to a public internet address' });
  });

  it('accepts localhost when private networks are allowed', async () => {
    const result = await checkWebhookUrl('http://localhost:3000/hook', LOCAL_DEV);
    expect(result.ok && result.url.href).toBe('http://localhost:3000/hook');
  });

  it('refuses a host that does not resolve, whatever the policy', async () => {
    for (const policy of [STRICT, LOCAL_DEV]) {
      const result = await checkWebhookUrl('https://no-such-host.invalid/hook', policy);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^the host no-such-host\.invalid (does not resolve|could not be resolved)/);
    }
  });

  it('accepts a host whose every address is public, asking DNS for all of them', async () => {
    const lookup = resolveTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946');
    const result = await checkWebhookUrl('https://Hooks.Example.com/maas', STRICT);
    expect(result.ok && result.url.href).toBe('https://hooks.example.com/maas');
    expect(lookup).toHaveBeenCalledWith('hooks.example.com', { all: true });
  });

  it('refuses a host with one private address among public ones', async () => {
    resolveTo('93.184.216.34', '10.0.0.5');
    expect(await checkWebhookUrl('https://mixed.example.com/', STRICT)).toEqual({
      ok: false,
      reason: 'the host mixed.example.com resolves to a private-network address; webhooks must go to a public internet address',
    });
  });

  it.each([
    ['169.254.169.254', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['fd00:ec2::254', 'unique local'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
  ])('refuses a host resolving to %s (%s)', async (address, kind) => {
    resolveTo(address);
    const result = await checkWebhookUrl('https://metadata.example.com/', STRICT);
    expect(!result.ok && result.reason).toContain(kind);
    expect(!result.ok && result.reason).not.toContain(address);
  });

  it('tells a missing name from a DNS outage', async () => {
    dnsError('ENOTFOUND');
    expect(await checkWebhookUrl('https://gone.example.com/', STRICT)).toEqual({ ok: false, reason: 'the host gone.example.com does not resolve to any address' });
    dnsError('EAI_AGAIN');
    expect(await checkWebhookUrl('https://flaky.example.com/', STRICT)).toEqual({
      ok: false,
      reason: 'the host flaky.example.com could not be resolved (temporary DNS failure); try again',
    });
  });
});

describe('vetWebhookHost', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives up on a lookup that does not answer in time, as a DNS failure', async () => {
    jest.spyOn(dns.promises, 'lookup').mockReturnValue(new Promise(() => undefined) as never);
    const result = await vetWebhookHost(new URL('https://slow-dns.example.com/'), STRICT, 20);
    expect(result).toEqual({ ok: false, dnsFailure: true, reason: 'the host slow-dns.example.com could not be resolved in time; try again' });
  });

  it('marks a policy refusal as no DNS failure', async () => {
    resolveTo('127.0.0.1');
    expect(await vetWebhookHost(new URL('https://rebound.example.com/'), STRICT, 1000)).toMatchObject({ ok: false, dnsFailure: false });
  });
});

describe('addresses as DNS writes them', () => {
  it.each([
    ['fe80::1%eth0', 'link-local'],
    ['0000:0000:0000:0000:0000:ffff:0a00:0001', 'private-network'],
    ['::ffff:10.0.0.1', 'private-network'],
    ['64:ff9b::127.0.0.1', 'loopback'],
  ])('refuses %s (%s)', async (address, kind) => {
    resolveTo(address);
    const result = await checkWebhookUrl('https://dns-form.example.com/', STRICT);
    expect(!result.ok && result.reason).toContain(kind);
  });

  it('accepts a public IPv6 address', async () => {
    resolveTo('2a00:1450:4001:80b::200e');
    expect((await checkWebhookUrl('https://dns-form.example.com/', STRICT)).ok).toBe(true);
  });
});
