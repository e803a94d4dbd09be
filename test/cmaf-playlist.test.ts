/**
 * The copy of a CMAF playlist that a run past its start reads (src/source/cmaf-playlist.ts): what is
 * copied, from which segment, and what is refused (left to play from its start, as before).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CmafPlaylist } from '../src/source/cmaf-playlist.js';

const BASE = 'https://cdn.example/show/v1/index.m3u8';
const TOOLS = { ffprobe: 'ffprobe' };
const media = (...extra: string[]): string =>
  ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MAP:URI="init.mp4"', ...extra,
    '#EXTINF:4.004,', 'seg0.m4s', '#EXTINF:4.004,', '../v1/seg1.m4s', '#EXTINF:2.5,', 'https://other.example/seg2.m4s', '#EXT-X-ENDLIST', ''].join('\n');
const playlist = (text: string, base = BASE): CmafPlaylist => {
  const p = CmafPlaylist.parse(text, base);
  if (typeof p === 'string') throw new Error(p);
  return p;
};

describe('a CMAF playlist copied from a segment on', () => {
  it('starts at the segment holding the moment, its URIs absolute, the moment counted by the durations before it', async () => {
    const p = playlist(media());
    const at = await p.soundFrom(5);
    expect(at.skip).toBeCloseTo(5 - 4.004, 6);
    expect(at.protocols.split(',')).toEqual(expect.arrayContaining(['file', 'https', 'tls']));
    const lines = readFileSync(at.input, 'utf8').split('\n');
    expect(lines).toContain('#EXT-X-MAP:URI="https://cdn.example/show/v1/init.mp4"');
    expect(lines.filter((l) => !l.startsWith('#') && l !== '')).toEqual(['https://cdn.example/show/v1/seg1.m4s', 'https://other.example/seg2.m4s']);
    expect(lines.filter((l) => l.startsWith('#EXTINF'))).toEqual(['#EXTINF:4.004000,', '#EXTINF:2.500000,']);
    expect(lines.at(-2)).toBe('#EXT-X-ENDLIST');
    // At a segment's first moment, that segment; past the last, the last.
    expect(readFileSync((await p.soundFrom(8.008)).input, 'utf8')).toContain('\nhttps://other.example/seg2.m4s\n');
    expect((await p.soundFrom(8.008)).skip).toBeCloseTo(0, 6);
    expect((await p.soundFrom(100)).skip).toBeCloseTo(100 - 8.008, 6);
    p.dispose();
  });

  it('keeps only the newest copies: each lists every segment to the end', async () => {
    const many = ['#EXTM3U', '#EXT-X-MAP:URI="init.mp4"', ...Array.from({ length: 40 }, (_, i) => [`#EXTINF:2,`, `s${i}.m4s`]).flat(), '#EXT-X-ENDLIST'].join('\n');
    const p = playlist(many);
    const paths: string[] = [];
    for (let i = 0; i < 40; i++) paths.push((await p.soundFrom(2 * i + 1)).input);
    expect(new Set(paths).size).toBe(40);
    expect(paths.filter((path) => existsSync(path))).toEqual(paths.slice(-16));
    // One asked for again is the newest, and kept.
    expect((await p.soundFrom(2 * 24 + 1)).input).toBe(paths[24]);
    await p.soundFrom(1);
    expect(existsSync(paths[24]!)).toBe(true);
    p.dispose();
    expect(paths.filter((path) => existsSync(path))).toEqual([]);
  });

  it('of a local playlist lists files, and takes no URL; a discontinuity sequence number and subtitles are no obstacle', async () => {
    const local = playlist(media('#EXT-X-DISCONTINUITY-SEQUENCE:0').replace('https://other.example/seg2.m4s', 'seg2.m4s'), 'file:///srv/show/v1/index.m3u8');
    const cut = await local.soundFrom(9);
    expect(cut.protocols).toBe('file');
    expect(readFileSync(cut.input, 'utf8').split('\n')).toContain('/srv/show/v1/seg2.m4s');
    local.dispose();
    expect(CmafPlaylist.parse(media(), 'file:///srv/show/v1/index.m3u8')).toBe('its playlist has a segment that is not a file');
  });

  it('refuses a base whose host holds a quote, which would end the init section\'s URI in the copy', () => {
    expect(CmafPlaylist.parse(media(), 'https://a",URI="x/index.m3u8')).toBe('its init section is not an http(s) URI');
  });

  it.each([
    ['byte ranges', media('#EXT-X-BYTERANGE:1000@0'), /EXT-X-BYTERANGE/],
    ['encryption', media('#EXT-X-KEY:METHOD=AES-128,URI="key"'), /encrypted/],
    ['a discontinuity', media('#EXT-X-DISCONTINUITY'), /EXT-X-DISCONTINUITY/],
    ['a local file as a segment', media().replace('seg0.m4s', 'file:///etc/passwd'), /not an http\(s\) URI/],
    ['a local init section', media().replace('URI="init.mp4"', 'URI="file:///etc/passwd"'), /init section is not an http\(s\) URI/],
    ['an unfinished (live) playlist', media().replace('#EXT-X-ENDLIST', ''), /not finished/],
    ['no init section', media().replace('#EXT-X-MAP:URI="init.mp4"', ''), /no init section/],

  ])('refuses %s, saying why', (_, text, why) => {
    expect(CmafPlaylist.parse(text, BASE)).toEqual(expect.stringMatching(why));
  });
});

describe('a master playlist', () => {
  let http: Server;
  let base = '';
  const files: Record<string, string> = {
    '/one.m3u8': '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x320\nv/index.m3u8\n',
    '/v/index.m3u8': media(),
    '/two.m3u8': '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\nv/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\nv/index.m3u8\n',
    '/subtitled.m3u8': '#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",NAME="en",URI="s/index.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,SUBTITLES="s"\nv/index.m3u8\n',
    '/sound.m3u8': '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="a/index.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,AUDIO="a"\nv/index.m3u8\n',
  };
  beforeAll(async () => {
    http = createServer((req, res) => {
      const body = files[req.url ?? ''];
      // /private/ wants user "viewer", password "p@ss".
      if (req.url?.startsWith('/private/') && req.headers.authorization !== `Basic ${Buffer.from('viewer:p@ss').toString('base64')}`) res.writeHead(401).end();
      else if (req.url?.startsWith('/private/')) res.end(files[req.url.slice('/private'.length)]);
      else if (body === undefined) res.writeHead(404).end();
      else res.end(body);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => http.close(r)));

  it('of one variant is followed to it, its URIs resolved against the variant', async () => {
    const p = await CmafPlaylist.load(`${base}/one.m3u8`, TOOLS);
    if (typeof p === 'string') throw new Error(p);
    expect(readFileSync((await p.soundFrom(0)).input, 'utf8')).toContain(`#EXT-X-MAP:URI="${base}/v/init.mp4"`);
    p.dispose();
  });

  it('with subtitles of their own is followed (the picture and sound ignore them)', async () => {
    const p = await CmafPlaylist.load(`${base}/subtitled.m3u8`, TOOLS);
    expect(typeof p).not.toBe('string');
    (p as CmafPlaylist).dispose();
  });

  it('behind a user and password is read with them, and its copy keeps them for ffmpeg', async () => {
    const p = await CmafPlaylist.load(`${base.replace('//', '//viewer:p%40ss@')}/private/one.m3u8`, TOOLS);
    if (typeof p === 'string') throw new Error(p);
    expect(readFileSync((await p.soundFrom(0)).input, 'utf8')).toContain(`#EXT-X-MAP:URI="${base.replace('//', '//viewer:p%40ss@')}/private/v/init.mp4"`);
    p.dispose();
    // Without them: refused, and the reason names no password.
    expect(await CmafPlaylist.load(`${base.replace('//', '//viewer:wrong@')}/private/one.m3u8`, TOOLS)).toBe('its playlist could not be read (HTTP 401)');
  });

  it('of several variants, or with sound of its own, is refused, saying why; so is one not found', async () => {
    expect(await CmafPlaylist.load(`${base}/two.m3u8`, TOOLS)).toBe('its master playlist has 2 variants');
    expect(await CmafPlaylist.load(`${base}/sound.m3u8`, TOOLS)).toMatch(/renditions of their own/);
    expect(await CmafPlaylist.load(`${base}/gone.m3u8`, TOOLS)).toBe('its playlist could not be read (HTTP 404)');
  });
});
