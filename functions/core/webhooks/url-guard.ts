/**
 * SSRF guard for webhook URLs. With the `public` policy (AWS) only https is allowed and every address the host
 * resolves to must be public: private, loopback, link-local (the instance metadata service), CGNAT, multicast,
 * documentation and other reserved ranges are refused. The `loopback` policy (the local stack) also allows http and
 * loopback addresses, so a receiver on 127.0.0.1 works; the other ranges stay refused. The check runs at
 * registration and again on every delivery, and the delivery then connects to the addresses it checked (a host that
 * re-resolves elsewhere meanwhile cannot redirect it).
 */
import { BlockList, isIP } from 'node:net';
import { WebhookUrlForbiddenError, WebhookUrlUnresolvableError } from './errors.ts';

export type UrlPolicy = 'public' | 'loopback';

/** Resolves a host name to every address it has (dns.lookup with `all`). */
export type Resolve = (host: string) => Promise<string[]>;

const reserved = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  reserved.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  reserved.addSubnet(net, bits, 'ipv6');
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** IPv4-mapped and IPv4-compatible IPv6 addresses are judged as the IPv4 address they carry. */
function unmap(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const m = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return { address: m[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why an address is refused under `policy`, or undefined when it is allowed. */
export function addressProblem(raw: string, policy: UrlPolicy): string | undefined {
  const { address, family } = unmap(raw);
  if (loopback.check(address, family)) return policy === 'loopback' ? undefined : 'a loopback address';
  if (reserved.check(address, family)) return 'a private or reserved address';
  return undefined;
}

/** Parses and checks the URL's form (scheme, credentials); returns the URL. */
export function checkUrlForm(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlForbiddenError('the webhook url is not a valid absolute URL');
  }
  const schemes = policy === 'public' ? ['https:'] : ['https:', 'http:'];
  if (!schemes.includes(url.protocol))
    throw new WebhookUrlForbiddenError(
      policy === 'public' ? 'a webhook url must use https' : 'a webhook url must use http or https',
    );
  if (url.username || url.password)
    throw new WebhookUrlForbiddenError('a webhook url may not carry credentials');
  if (url.hash) throw new WebhookUrlForbiddenError('a webhook url may not carry a fragment');
  return url;
}

/**
 * Checks the URL and every address its host resolves to; returns those addresses (the ones a delivery may connect
 * to). WebhookUrlForbiddenError or WebhookUrlUnresolvableError otherwise.
 */
export async function resolveAllowed(raw: string, policy: UrlPolicy, resolve: Resolve): Promise<string[]> {
  const url = checkUrlForm(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    if (policy === 'public' && /(^|\.)localhost$/i.test(host))
      throw new WebhookUrlForbiddenError('a webhook url may not name localhost');
    addresses = await resolve(host).catch(() => []);
    if (!addresses.length) throw new WebhookUrlUnresolvableError(`the webhook host ${host} does not resolve`);
  }
  for (const address of addresses) {
    const problem = addressProblem(address, policy);
    if (problem) throw new WebhookUrlForbiddenError(`the webhook host resolves to ${problem}`);
  }
  return addresses;
}
