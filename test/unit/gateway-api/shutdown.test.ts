/**
 * A stopping gateway ends its open event streams (each would hold the process open for as long
 * as its user stays), so it stops at once, and tells each client why. Streams over a real
 * connection, with a live stand-in of the peer's event service.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { stopServer } from '../../../gateway-api/src/server';
import { Harness } from './harness';
import { LiveSource, openStream, until } from './live-events';

describe('stopping the gateway', () => {
  it('ends the open event streams and stops at once', async () => {
    const source = new LiveSource();
    const streams = new AbortController();
    const h = new Harness({ events: source, stopping: streams.signal });
    const admin = await h.adminToken();
    const token = await h.user(admin, 'bob', 'billing');
    const server = http.createServer(h.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const bob = await openStream(url, token);
    expect(bob.status).toBe(200);
    await until(() => source.openStreams === 1);

    const started = Date.now();
    await stopServer(server, streams);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await bob.endsWithin(1000)).toBe(true);
    expect(bob.text()).toMatch(/^event: gateway-stopping\ndata: \{"code":"UNAVAILABLE",/m);
    expect(source.openStreams).toBe(0);
  });
});
