/**
 * The terminal client's `--audio` player (src/client/terminal/audio-player.ts), with real processes
 * as the player and a real HTTP server answering HEAD /audio on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAudio, type Player } from '../src/client/terminal/audio-player.js';

let server: Server;
let wsUrl = '';
/** What /audio answers: 200 (an empty stream), or 503 with this one line (PROTOCOL-NOTES.md §1.4). */
let failure: string | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (!req.url?.startsWith('/audio')) res.writeHead(404).end();
    else if (failure === null) res.writeHead(200).end();
    else res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : `${failure}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Node as the player, running `code` (it answers `--version`, as a player must to be picked). */
const nodePlayer = (code: string): Player => ({ name: process.execPath, args: () => ['-e', code] });

describe('audio player', () => {
  it('a player that quits by itself is reported, and the note stops claiming it plays', async () => {
    const heard: string[] = [];
    const playback = await startAudio(wsUrl, (note) => heard.push(note), [nodePlayer('process.exit(0)')]);
    expect(playback.player).toBe(process.execPath);
    expect(playback.note).toBe(`audio: ${process.execPath}`);
    const deadline = Date.now() + 10_000;
    while (heard.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(heard).toEqual([`audio: ${process.execPath} quit (at once: no sound device?); playing silent`]);
    expect(playback.note).toBe(heard[0]);
  });

  it('a player stopped by the client is not reported as quitting', async () => {
    const heard: string[] = [];
    const playback = await startAudio(wsUrl, (note) => heard.push(note), [nodePlayer('setTimeout(() => {}, 60000)')]);
    await new Promise((r) => setTimeout(r, 300));
    playback.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect(heard).toEqual([]);
    expect(playback.note).toBe(`audio: ${process.execPath}`);
  });

  it('a sound that failed at the server: silent, and says why in the server\'s one line, not "no sound"', async () => {
    failure = 'the sound failed: audio encoder stopped (ffmpeg exited with code 1: clip.mp4: No such file or directory)';
    try {
      const playback = await startAudio(wsUrl, undefined, [nodePlayer('setTimeout(() => {}, 60000)')]);
      expect(playback.player).toBeNull();
      expect(playback.note).toBe(`no sound from the server: ${failure}; playing silent`);
    } finally {
      failure = null;
    }
  });

  it('a player that quits because the server gave up the sound says the server\'s why', async () => {
    const heard: string[] = [];
    // The player plays until the server gives the sound up, which ends its stream and the player.
    const playback = await startAudio(wsUrl, (note) => heard.push(note), [nodePlayer('setTimeout(() => process.exit(0), 300)')]);
    expect(playback.player).toBe(process.execPath);
    failure = 'the sound failed: audio encoder stopped (ffmpeg killed by SIGKILL)';
    try {
      const deadline = Date.now() + 10_000;
      while (heard.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual([`audio: ${process.execPath} quit: ${failure}; playing silent`]);
      expect(playback.note).toBe(heard[0]);
    } finally {
      failure = null;
    }
  });

  it('no player installed: silent, and says what to install', async () => {
    const playback = await startAudio(wsUrl, undefined, [{ name: 'ascii360-no-such-player', args: () => [] }]);
    expect(playback.player).toBeNull();
    expect(playback.note).toMatch(/no audio player found/);
  });
});
