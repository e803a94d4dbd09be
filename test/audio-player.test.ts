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

beforeAll(async () => {
  server = createServer((req, res) => res.writeHead(req.url?.startsWith('/audio') ? 200 : 404).end());
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

  it('no player installed: silent, and says what to install', async () => {
    const playback = await startAudio(wsUrl, undefined, [{ name: 'ascii360-no-such-player', args: () => [] }]);
    expect(playback.player).toBeNull();
    expect(playback.note).toMatch(/no audio player found/);
  });
});
