/**
 * What the clients make of `/audio`'s answers (client/common/sound-answer.ts), from a real HTTP
 * server on loopback: only the server's own failure line counts as "the sound failed"; a full
 * server's 503, a proxy's page or a gateway error is a moment's trouble, retried, not a verdict.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSound } from '../src/client/common/sound-answer.js';

const ANSWERS: Record<string, (res: ServerResponse) => void> = {
  '/sound': (res) => res.writeHead(200, { 'Content-Type': 'audio/aac' }).end(),
  '/none': (res) => res.writeHead(204).end(),
  '/token': (res) => res.writeHead(401).end(),
  '/failed': (res) => res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('the sound failed: audio encoder stopped (ffmpeg exited with code 1)\n'),
  '/full': (res) => res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' }).end('the sound failed: not really, the server is full\n'),
  '/proxy': (res) => res.writeHead(503, { 'Content-Type': 'text/html' }).end('<html><body>503 Service Unavailable</body></html>\n'),
  '/other': (res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('maintenance\n'),
  '/gateway': (res) => res.writeHead(502).end(),
};

let base = '';
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const answer = ANSWERS[req.url ?? ''];
  if (answer) answer(res);
  else res.writeHead(404).end();
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('askSound', () => {
  it('reads 200, 204 and 401 as sound, none and refused', async () => {
    expect(await askSound(`${base}/sound`)).toEqual({ status: 200, state: 'available', why: null });
    expect(await askSound(`${base}/none`)).toEqual({ status: 204, state: 'none', why: null });
    expect(await askSound(`${base}/token`)).toEqual({ status: 401, state: 'refused', why: null });
  });

  it('takes a 503 for a failure only with the server\'s own line, and gives that line', async () => {
    expect(await askSound(`${base}/failed`)).toEqual({ status: 503, state: 'failed', why: 'the sound failed: audio encoder stopped (ffmpeg exited with code 1)' });
    for (const path of ['/full', '/proxy', '/other']) expect(await askSound(`${base}${path}`), path).toEqual({ status: 503, state: 'unavailable', why: null });
    expect(await askSound(`${base}/gateway`)).toEqual({ status: 502, state: 'unavailable', why: null });
  });

  it('a server that is not there is no answer, not an error', async () => {
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    expect(await askSound(`http://127.0.0.1:${port}/audio`)).toEqual({ status: 0, state: 'unavailable', why: null });
  });
});
