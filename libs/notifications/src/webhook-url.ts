import { promises as dns, LookupAddress } from 'node:dns';
import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * SSRF guard for webhook URLs. A user-supplied URL is fetched by our workers, from inside our
 * network, so it must never reach loopback, the cloud metadata service (169.254.169.254), private
 * networks or any other address that is not the public internet. Two moments are checked:
 * registration (`checkWebhookUrl`, its reasons go to the user in a 400) and every send
 * (`sendWebhook` resolves again and connects only to the addresses vetted here, so DNS rebinding
 * between the two cannot reach an internal address).
 *
 * `allowPrivateNetworks: true` turns the address check off and allows plain http: local
 * development and tests only, never production.
 */
export interface WebhookUrlPolicy {
  readonly allowPrivateNetworks: boolean;
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** getaddrinfo has no timeout of its own (resolv.conf retries can take tens of seconds). */
const LOOKUP_TIMEOUT_MS = 5000;

/** What a non-public address is, in words a user can act on. */
const ADDRESS_KINDS = {
  unspecified: 'the unspecified address',
  thisNetwork: 'a "this network" address (0.0.0.0/8)',
  loopback: 'a loopback address',
  private: 'a private-network address',
  sharedNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique local IPv6 address (fc00::/7)',
  siteLocal: 'a site-local IPv6 address (fec0::/10)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  documentation: 'a documentation address',
  ipv4Compatible: 'a deprecated IPv4-compatible IPv6 address',
  teredo: 'a Teredo tunnel address',
  localNat64: 'a local-use NAT64 address (64:ff9b:1::/48)',
  notGlobalUnicast: 'an IPv6 address outside the global unicast range (2000::/3)',
} as const;

type AddressKind = keyof typeof ADDRESS_KINDS;

/** The one catalogue of reasons shown to users; none of them contains an address we resolved. */
const REASONS = {
  tooLong: `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`,
  badCharacters: 'the URL must not contain spaces or control characters',
  notAbsolute: 'the URL is not a valid absolute URL',
  scheme: (allowHttp: boolean) => (allowHttp ? 'the URL must start with http:// or https://' : 'the URL must start with https://'),
  userinfo: 'the URL must not contain a user name or password',
  fragment: 'the URL must not contain a fragment (#…)',
  port: 'the URL port must be between 1 and 65535',
  literal: (host: string, kind: string) => `${host} is ${kind}; webhooks must go to a public internet address`,
  resolvesTo: (host: string, kind: string) => `the host ${host} resolves to ${kind}; webhooks must go to a public internet address`,
  notFound: (host: string) => `the host ${host} does not resolve to any address`,
  lookupTimeout: (host: string) => `the host ${host} could not be resolved in time; try again`,
  lookupFailed: (host: string) => `the host ${host} could not be resolved (temporary DNS failure); try again`,
} as const;

/**
 * Validates a webhook URL for registration: syntax first, then the host must resolve and every
 * address it resolves to must be public (unless the policy allows private networks). A literal IP
 * needs no DNS. Returns the normalized URL (store `url.href`).
 */
export async function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): Promise<WebhookUrlCheck> {
  const parsed = parseWebhookUrl(raw, policy);
  if (!parsed.ok) return parsed;
  const vetted = await vetWebhookHost(parsed.url, policy, LOOKUP_TIMEOUT_MS);
  return vetted.ok ? parsed : { ok: false, reason: vetted.reason };
}

/** The syntax rules alone, without DNS. */
export function parseWebhookUrl(raw: string, policy: WebhookUrlPolicy): WebhookUrlCheck {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: REASONS.tooLong };
  // The URL parser silently drops tabs and newlines and trims spaces: refuse them instead, so the
  // URL we store is the URL the user typed.
  if (hasSpaceOrControl(raw)) return { ok: false, reason: REASONS.badCharacters };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: REASONS.notAbsolute };
  }
  const allowHttp = policy.allowPrivateNetworks;
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    return { ok: false, reason: REASONS.scheme(allowHttp) };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: REASONS.userinfo };
  // `hash` is '' for a bare trailing '#', which `href` keeps; '#' appears nowhere else in an href.
  if (url.href.includes('#')) return { ok: false, reason: REASONS.fragment };
  if (url.port === '0') return { ok: false, reason: REASONS.port };
  // Percent-encoding by the parser can lengthen the URL; the stored form must fit too.
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: REASONS.tooLong };
  return { ok: true, url };
}

export type VettedHost =
  | { ok: true; addresses: LookupAddress[] }
  /** `dnsFailure`: the name did not resolve (possibly temporary); otherwise the policy refused it. */
  | { ok: false; reason: string; dnsFailure: boolean };

/**
 * Resolves the URL's host and checks every address. One non-public address refuses the whole
 * host: connecting to "the public one" would let an attacker's DNS pick which one we use.
 */
export async function vetWebhookHost(url: URL, policy: WebhookUrlPolicy, timeoutMs: number): Promise<VettedHost> {
  const host = hostOf(url);
  if (isIP(host)) {
    const kind = policy.allowPrivateNetworks ? undefined : nonPublicKind(host);
    return kind ? { ok: false, reason: REASONS.literal(host, ADDRESS_KINDS[kind]), dnsFailure: false } : { ok: true, addresses: [{ address: host, family: isIP(host) }] };
  }
  let addresses: LookupAddress[];
  try {
    addresses = await withTimeout(dns.lookup(host, { all: true }), timeoutMs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      error === TIMED_OUT
        ? REASONS.lookupTimeout(host)
        : code === 'ENOTFOUND' || code === 'ENODATA'
          ? REASONS.notFound(host)
          : REASONS.lookupFailed(host);
    return { ok: false, reason, dnsFailure: true };
  }
  if (addresses.length === 0) return { ok: false, reason: REASONS.notFound(host), dnsFailure: true };
  if (!policy.allowPrivateNetworks) {
    for (const { address } of addresses) {
      const kind = nonPublicKind(address);
      if (kind) return { ok: false, reason: REASONS.resolvesTo(host, ADDRESS_KINDS[kind]), dnsFailure: false };
    }
  }
  return { ok: true, addresses };
}

/** The hostname without the brackets the URL parser keeps around IPv6 literals. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function hasSpaceOrControl(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f) || /\s/u.test(char)) return true;
  }
  return false;
}

const TIMED_OUT = Symbol('timed out');

/** The lookup itself cannot be cancelled; it is left to finish in the background. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The kind of a non-public address, or undefined for a public one. IPv4 follows the IANA
 * special-purpose registry. IPv6 is public only inside 2000::/3 (global unicast), minus its
 * special blocks; the forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by that
 * address, since a packet to them ends up there.
 */
function nonPublicKind(address: string): AddressKind | undefined {
  if (isIPv4(address)) return ipv4Kind(address);
  const words = ipv6Words(address);
  const embedded = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);

  if (zeros(0, 5) && words[5] === 0xffff) return ipv4Kind(embedded(words[6], words[7])); // ::ffff:0:0/96, IPv4-mapped
  if (zeros(0, 6)) {
    // ::/96: the unspecified address, loopback, or the deprecated IPv4-compatible form
    if (zeros(6, 7) && words[7] === 0) return 'unspecified';
    if (zeros(6, 7) && words[7] === 1) return 'loopback';
    return 'ipv4Compatible';
  }
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return ipv4Kind(embedded(words[6], words[7])); // 64:ff9b::/96, NAT64
  if (words[0] === 0x2002) return ipv4Kind(embedded(words[1], words[2])); // 2002::/16, 6to4
  for (const [kind, list] of IPV6_RULES) if (list.check(address, 'ipv6')) return kind;
  return undefined;
}

function ipv4Kind(address: string): AddressKind | undefined {
  for (const [kind, list] of IPV4_RULES) if (list.check(address, 'ipv4')) return kind;
  return undefined;
}

/** First match wins: the more specific blocks come before the ones that contain them. */
const IPV4_RULES = rules('ipv4', [
  ['unspecified', '0.0.0.0/32'],
  ['thisNetwork', '0.0.0.0/8'],
  ['private', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  ['sharedNat', '100.64.0.0/10'],
  ['loopback', '127.0.0.0/8'],
  ['linkLocal', '169.254.0.0/16'],
  ['documentation', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'],
  // IETF protocol assignments, and the deprecated 6to4 relay anycast
  ['reserved', '192.0.0.0/24', '192.88.99.0/24'],
  ['benchmarking', '198.18.0.0/15'],
  ['multicast', '224.0.0.0/4'],
  ['broadcast', '255.255.255.255/32'],
  ['reserved', '240.0.0.0/4'],
]);

const IPV6_RULES = rules('ipv6', [
  ['uniqueLocal', 'fc00::/7'],
  ['linkLocal', 'fe80::/10'],
  ['siteLocal', 'fec0::/10'],
  ['multicast', 'ff00::/8'],
  ['localNat64', '64:ff9b:1::/48'],
  ['documentation', '2001:db8::/32', '3fff::/20'],
  ['teredo', '2001::/32'],
  ['benchmarking', '2001:2::/48'],
  // The rest of the IETF protocol assignments block (ORCHID, AMT, AS112…): no webhook lives there.
  ['reserved', '2001::/23'],
  ['notGlobalUnicast', '::/3', '4000::/2', '8000::/1'], // everything but 2000::/3
]);

function rules(type: 'ipv4' | 'ipv6', table: [AddressKind, ...string[]][]): [AddressKind, BlockList][] {
  return table.map(([kind, ...subnets]) => {
    const list = new BlockList();
    for (const subnet of subnets) {
      const [network, prefix] = subnet.split('/');
      list.addSubnet(network, Number(prefix), type);
    }
    return [kind, list];
  });
}

/** The eight 16-bit words of an IPv6 address that net.isIPv6 accepted (zone id ignored). */
function ipv6Words(address: string): number[] {
  let text = address.split('%')[0];
  const dotted = text.lastIndexOf(':');
  if (text.includes('.')) {
    const [a, b, c, d] = text.slice(dotted + 1).split('.').map(Number);
    text = `${text.slice(0, dotted + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((word) => parseInt(word, 16)));
  const gap = text.indexOf('::');
  if (gap < 0) return parse(text);
  const head = parse(text.slice(0, gap));
  const tail = parse(text.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
