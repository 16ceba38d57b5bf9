import { clientAddress, compileTrust } from '../src/client-address';

/** A request as the server sees it: the socket's peer and the X-Forwarded-For header. */
const req = (peer: string, xff?: string | string[]) =>
  ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as never;

describe('issue 9 §2: the client address is the right-most untrusted one (HTTP and WebSocket share this function)', () => {
  test('issue 9 §2: without trusted proxies the header is ignored', () => {
    expect(clientAddress(req('198.51.100.1', '6.6.6.6'), compileTrust(false))).toBe('198.51.100.1');
  });

  test('issue 9 §2: one hop: the address the proxy appended, whatever the client wrote left of it', () => {
    const one = compileTrust(1);
    expect(clientAddress(req('127.0.0.1', '6.6.6.6, 7.7.7.7, 203.0.113.7'), one)).toBe('203.0.113.7');
    expect(clientAddress(req('127.0.0.1', ['6.6.6.6', '203.0.113.7']), one)).toBe('203.0.113.7');
    // No header: the peer itself.
    expect(clientAddress(req('127.0.0.1'), one)).toBe('127.0.0.1');
  });

  test('issue 9 §2: two hops trust the peer and the next address, no more', () => {
    expect(clientAddress(req('10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.1'), compileTrust(2))).toBe('203.0.113.7');
  });

  test('issue 9 §2: a list trusts those proxies only; a forged entry from an untrusted peer is never used', () => {
    const list = compileTrust(['10.0.0.0/8', '127.0.0.1']);
    expect(clientAddress(req('10.1.2.3', '6.6.6.6, 203.0.113.7, 10.0.0.9'), list)).toBe('203.0.113.7');
    expect(clientAddress(req('::ffff:127.0.0.1', '6.6.6.6, 203.0.113.7'), list)).toBe('203.0.113.7');
    // A client reaching the server directly cannot choose its address.
    expect(clientAddress(req('198.51.100.1', '10.0.0.5, 127.0.0.1'), list)).toBe('198.51.100.1');
  });
});
