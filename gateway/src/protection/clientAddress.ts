import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The proxies in front of the gateway (TRUSTED_PROXY_HOPS, TRUSTED_PROXY_CIDRS).
 * Only what they appended to X-Forwarded-For is believed: anything to the left
 * of it was written by the client and is ignored.
 */
export interface TrustedProxies {
  /** How many proxies stand in front of the gateway (the socket peer is the nearest). */
  hops: number;
  /** Addresses of proxies, wherever they appear in the chain. */
  cidrs: string[];
}

export const NO_TRUSTED_PROXIES: TrustedProxies = { hops: 0, cidrs: [] };

/** "::ffff:10.0.0.1" (IPv4 on a dual-stack socket) → "10.0.0.1", so one client has one key. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase();
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const family = isIP(address ?? '');
    const bits = Number(prefix);
    if (!family || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128))
      throw new RangeError(`trusted proxy "${cidr}" is not a CIDR such as 10.0.0.0/8`);
    list.addSubnet(address!, bits, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function forwardedFor(req: IncomingMessage): string[] {
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Who a request comes from: the socket peer, or — behind trusted proxies —
 * the nearest X-Forwarded-For entry that no trusted proxy wrote. The chain is
 * walked from the gateway outwards: the first `hops` addresses and any inside
 * a trusted CIDR are proxies; the next one is the client. An entry that is not
 * an IP address stops the walk at the last good one (it can only be forged).
 */
export function clientAddressResolver(trust: TrustedProxies): (req: IncomingMessage) => string {
  const trusted = blockList(trust.cidrs);
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
  return (req) => {
    const peer = normalise(req.socket.remoteAddress ?? 'unknown');
    if (trust.hops === 0 && trust.cidrs.length === 0) return peer;
    const chain = [...forwardedFor(req).map(normalise), peer];
    let i = chain.length - 1;
    let skipped = 0;
    while (i > 0 && (skipped < trust.hops || isTrusted(chain[i]!))) {
      if (!isIP(chain[i - 1]!)) break;
      i--;
      skipped++;
    }
    return chain[i]!;
  };
}
