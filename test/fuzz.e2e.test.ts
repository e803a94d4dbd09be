/**
 * 10,000 random and mutated control messages over a live socket (seeded, so a failure replays):
 * every message the protocol refuses earns exactly one `Error:`, the socket stays open, the server
 * stays up, and another viewer keeps receiving frames throughout.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClientMessage } from '../protocol/index.js';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, TestViewer, type CliServer } from './helpers/server.js';
import { rng } from './helpers/random.js';

const tmp = tempDir();
let server: CliServer;

beforeAll(async () => {
  const clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 4 });
  // The rate limit is lifted so every message reaches the parser (the limit has its own test).
  server = await startCli([clip, '--loop', '--max-message-rate', '1000000', '--log-level', 'error']);
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

const NASTY: unknown[] = [NaN, Infinity, -Infinity, 1e308, -1e308, 5e-324, -0, 1e21, 2 ** 53 + 1, '12', '', 'NaN', null, true, false, [], {}, [1, 2], { a: 1 }, 'x'.repeat(1000), '\u0000', '\ud800', 999999, -999999];

function generate(r: () => number): string | Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const base = (): Record<string, unknown> => pick([
    { type: 'view', yaw: r() * 720 - 360, pitch: r() * 180 - 90, roll: r() * 90, fov: 30 + r() * 90 },
    { type: 'view', fov: 10 + r() * 150 },
    { type: 'resize', cols: 1 + Math.floor(r() * 40), rows: 1 + Math.floor(r() * 20), aspect: 0.3 + r() },
    { type: 'mode', mode: 1 + Math.floor(r() * 5) },
    { type: 'style', pixel: r() < 0.5 },
    { type: 'pause', paused: false },
  ]);
  const kind = r();
  if (kind < 0.08) return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
  if (kind < 0.16) return Array.from({ length: Math.floor(r() * 80) }, () => String.fromCharCode(Math.floor(r() * 0x2fff))).join('');
  if (kind < 0.24) {
    const text = JSON.stringify(base());
    return text.slice(0, Math.floor(r() * text.length));
  }
  if (kind < 0.3) return JSON.stringify(pick(NASTY));
  if (kind < 0.36) return pick(['{"__proto__":{"type":"view"}}', '{"type":"view","type":"fly"}', '{"constructor":{"prototype":{}}}', '[{"type":"view"}]', '{"type":"pause","paused":true,"time":1}'.replace('true', '"true"')]);
  const msg = base();
  const keys = Object.keys(msg);
  const action = r();
  if (action < 0.35) msg[pick(keys)] = pick(NASTY);
  else if (action < 0.5) msg['type'] = pick(['View', 'seek', 'pause', 'resize', 'fly', 42, null, '']);
  else if (action < 0.6) delete msg[pick(keys)];
  else if (action < 0.7) msg['extra' + Math.floor(r() * 9)] = pick(NASTY);
  // Seek and pause:true act on the shared timeline; they are tested elsewhere, and here would only
  // restart ffmpeg thousands of times.
  if (msg['type'] === 'seek' || (msg['type'] === 'pause' && msg['paused'] === true)) msg['type'] = 'seek!';
  let text = JSON.stringify(msg, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `__${String(v)}__` : v));
  // Non-finite numbers as raw JSON tokens where the mutation asked for them: invalid JSON, on purpose.
  text = text.replace(/"__(NaN|Infinity|-Infinity)__"/g, '$1');
  return text;
}

function refused(message: string | Buffer): boolean {
  if (typeof message !== 'string') return true;
  try {
    parseClientMessage(message);
    return false;
  } catch {
    return true;
  }
}

describe('fuzzing control messages', () => {
  it('answers 10,000 messages as PROTOCOL-NOTES.md says and never falls over', async () => {
    const watcher = new TestViewer(`${server.wsUrl}?cols=12&rows=4`);
    const fuzzer = new TestViewer(`${server.wsUrl}?cols=12&rows=4`);
    await watcher.moreFrames(3);
    await fuzzer.moreFrames(1);
    const r = rng(0xa5c11);
    let expectedErrors = 0;
    type Counts = { frames: { decoded: number; dropped: number } };
    const before = (await getJson(`${server.url}/healthz`)) as unknown as Counts;
    const framesBefore = watcher.frames.length;
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 500; i++) {
        const message = generate(r);
        if (refused(message)) expectedErrors++;
        fuzzer.ws.send(message, { binary: typeof message !== 'string' });
      }
      // Let the server breathe between batches, as a client on a real network would.
      await new Promise((res) => setTimeout(res, 20));
    }
    const errors = (): number => fuzzer.texts.filter((t) => t.startsWith('Error: ')).length;
    await fuzzer.until(() => errors() >= expectedErrors, `${expectedErrors} Error: replies`, 30_000);
    await new Promise((res) => setTimeout(res, 300));
    expect(expectedErrors).toBeGreaterThan(3000);
    expect(errors()).toBe(expectedErrors);
    expect(fuzzer.closeCode).toBeNull();
    // Every Error: is one line.
    for (const t of fuzzer.texts.filter((x) => x.startsWith('Error: '))) expect(t).not.toContain('\n');
    // The other viewer kept getting frames all along: nearly every frame the server rendered
    // meanwhile (counted, not timed, so a busy machine's slower pace does not matter).
    const health = await getJson(`${server.url}/healthz`);
    const after = health as unknown as Counts;
    const rendered = after.frames.decoded - after.frames.dropped - (before.frames.decoded - before.frames.dropped);
    expect(rendered).toBeGreaterThan(0);
    expect(watcher.frames.length - framesBefore).toBeGreaterThanOrEqual(0.8 * rendered - 3);
    expect(watcher.closeCode).toBeNull();
    expect(health['viewers']).toBe(2);
    // The fuzzer still works as a viewer.
    fuzzer.send({ type: 'style', pixel: false });
    fuzzer.send({ type: 'mode', mode: 5 });
    fuzzer.send({ type: 'resize', cols: 10, rows: 3 });
    await fuzzer.until(() => fuzzer.frames.at(-1)?.length === 4 + 10 * 3 * 4, 'frames after the fuzz');
    watcher.close();
    fuzzer.close();
  }, 90_000);
});
