/**
 * Whether an http file's server answers range requests (src/source/http-ranges.ts), against real
 * servers on loopback: one that does, one that sends whole files, redirects good and bad.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takesRanges } from '../src/source/http-ranges.js';

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = Buffer.alloc(1000, 7);
    switch (req.url) {
      case '/ranged':
        if (req.headers.range === 'bytes=0-0') res.writeHead(206, { 'Content-Range': 'bytes 0-0/1000' }).end(body.subarray(0, 1));
        else res.writeHead(200).end(body);
        return;
      case '/whole':
        res.writeHead(200).end(body);
        return;
      case '/moved':
        res.writeHead(302, { Location: '/ranged' }).end();
        return;
      case '/bad-redirect':
        res.writeHead(302, { Location: 'http://[bad' }).end();
        return;
      case '/loop':
        res.writeHead(302, { Location: '/loop' }).end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('range requests', () => {
  it('a part (206) is yes, the whole file (200) is no, a redirect is followed', async () => {
    expect(await takesRanges(`${base}/ranged`)).toBe(true);
    expect(await takesRanges(`${base}/whole`)).toBe(false);
    expect(await takesRanges(`${base}/moved`)).toBe(true);
  });

  it('cannot tell, so yes as before: a Location that is no URL (it threw where nothing caught it), a redirect loop, an error status, nobody there', async () => {
    expect(await takesRanges(`${base}/bad-redirect`)).toBe(true);
    expect(await takesRanges(`${base}/loop`)).toBe(true);
    expect(await takesRanges(`${base}/missing`)).toBe(true);
    expect(await takesRanges('http://127.0.0.1:1/x')).toBe(true);
  });
});
