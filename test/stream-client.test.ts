/**
 * The clients' decoding with an async inflate, as in the browser (DecompressionStream): frames
 * inflate out of order and are shown in order, and after a lost frame the keyframe and the DELTAs
 * that follow it (arriving while it still inflates) give exactly the server's pictures.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeInit, type Inflate } from '../protocol/index.js';
import { StreamClient, type ReceivedFrame, type SocketLike } from '../src/client/common/stream-client.js';
import { FrameEncoder } from '../src/encode/frame-encoder.js';

const COLS = 24;
const ROWS = 8;
const UNITS = COLS * ROWS;

/** Node's inflate, answered after a random delay: later frames often finish first. */
const slowInflate: Inflate = (data, max) =>
  new Promise((resolve, reject) => {
    setTimeout(() => {
      try {
        resolve(inflateSync(data, { maxOutputLength: max }));
      } catch (error) {
        reject(error as Error);
      }
    }, Math.random() * 8);
  });

/** A socket that only records what the client sends. */
function socket(sent: string[]): SocketLike {
  return { binaryType: '', readyState: 1, send: (d: string) => void sent.push(d), close() {}, onopen: null, onmessage: null, onclose: null, onerror: null };
}

/** Frame i of a picture that drifts a little everywhere and a lot in a moving band. */
function picture(i: number): Uint8Array {
  const f = new Uint8Array(UNITS * 4);
  for (let u = 0; u < UNITS; u++) {
    const x = u % COLS;
    const band = Math.abs(x - ((i * 3) % COLS)) < 3;
    f.set([33 + ((x + i) % 60), (x * 9 + (band ? 120 : i)) & 0xff, (u * 5) & 0xff, band ? 250 : 40 + i], u * 4);
  }
  return f;
}

const until = async (what: () => boolean): Promise<void> => {
  for (let t = 0; t < 200 && !what(); t++) await new Promise((r) => setTimeout(r, 10));
  expect(what()).toBe(true);
};

describe('stream client, async inflate', () => {
  it('shows coded frames in order, each exactly the server\'s picture, and recovers from a lost frame through the keyframe', async () => {
    const encoder = new FrameEncoder({ units: UNITS, unitBytes: 4, exactBytes: 1, tolerance: 0, periodicKeys: false, planes: true, quantise: false });
    const frames: Uint8Array[] = [];
    const keys: (Uint8Array | null)[] = [];
    for (let i = 0; i < 12; i++) {
      const out = new Uint8Array(5 + UNITS * 4);
      const key = new Uint8Array(5 + UNITS * 4);
      const coded = encoder.encode(picture(i), i, 0, out, key);
      frames.push(out.slice(0, coded.length));
      keys.push(coded.keyLength > 0 ? key.slice(0, coded.keyLength) : null);
    }
    expect(frames.slice(1).every((f) => f[4] === 6)).toBe(true);
    const sent: string[] = [];
    const shown: ReceivedFrame[] = [];
    const notices: string[] = [];
    const client = new StreamClient(socket(sent), 'tagged', { init() {}, frame: (f) => void shown.push(f), error: (m) => void notices.push(m), close() {} }, slowInflate);
    client.receive(encodeInit({ fps: 30, mode: 5, cols: COLS, rows: ROWS, pixel: false, duration: 0, startSec: 0, live: false, style: 'ramp', palette: 'rgb', camera: 'flat' }));
    for (let i = 0; i < 6; i++) client.receive(frames[i]);
    await until(() => shown.length === 6);
    expect(shown.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5]);
    shown.forEach((f, i) => expect(Buffer.from((f as { cells: Uint8Array }).cells).equals(Buffer.from(picture(i)))).toBe(true));
    // Frame 6 is lost on the way (corrupt): dropped with a notice, a keyframe asked for.
    const bad = frames[6]!.slice(0, 12);
    client.receive(bad);
    await until(() => notices.length === 1);
    // What the server sends next: frame 7's keyframe (the client lacks 6), then DELTAs on 7,
    // all arriving before the keyframe has inflated.
    client.receive(keys[7]!);
    for (let i = 8; i < 12; i++) client.receive(frames[i]);
    await until(() => shown.length === 11);
    expect(notices.length).toBe(1);
    expect(notices[0]).toMatch(/^frame 6 dropped: .*asking for a keyframe$/);
    expect(sent.filter((m) => m === '{"type":"keyframe"}').length).toBe(1);
    expect(shown.slice(6).map((f) => f.index)).toEqual([7, 8, 9, 10, 11]);
    shown.slice(6).forEach((f) => expect(Buffer.from((f as { cells: Uint8Array }).cells).equals(Buffer.from(picture(f.index)))).toBe(true));
  });
});
