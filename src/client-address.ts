import type { IncomingMessage } from 'node:http';
import express from 'express';

/**
 * Which proxies in front of the server are trusted to report the client's address: none (false),
 * the nearest `n` hops, or the proxies at these addresses and subnets (`10.0.0.0/8`, `::1`,
 * `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = false | number | string[];

/** Whether the address at hop `i` (0 = the socket's peer) is a trusted proxy. */
export type TrustFn = (address: string, hop: number) => boolean;

/**
 * Compiles the setting with express's own `trust proxy` compiler (proxy-addr), so HTTP and
 * WebSocket read the same rule. Throws a TypeError naming a malformed address.
 */
export function compileTrust(trust: TrustProxy): TrustFn {
  return express().set('trust proxy', trust).get('trust proxy fn') as TrustFn;
}

/**
 * The client's address: walking from the socket's peer back through `X-Forwarded-For` (right to
 * left), the first address that is not a trusted proxy. Entries left of it were written by the
 * client and are never used, so a client cannot choose its own address.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trust: TrustFn): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : header ?? '')
    .split(',').map((a) => a.trim()).filter(Boolean).reverse();
  const chain = [peer, ...forwarded];
  for (let i = 0; i < chain.length - 1; i++) {
    if (!trust(chain[i], i)) return chain[i];
  }
  return chain[chain.length - 1];
}
