/**
 * What findFfmpeg learns about the installed ffmpeg is kept between runs (ffmpeg-tools-cache.ts):
 * asked once per pair of binaries, asked again when either changes, and never trusted when torn.
 * The binaries here are the real ones behind wrapper scripts that write down each run.
 */
import { chmodSync, existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from '../src/source/ffmpeg-tools.js';
import { cacheDir, resolveCommand } from '../src/source/ffmpeg-tools-cache.js';
import { tempDir } from './helpers/media.js';

const tmp = tempDir();
const runs = join(tmp.dir, 'runs.log');
const ffmpeg = join(tmp.dir, 'ffmpeg');
const ffprobe = join(tmp.dir, 'ffprobe');
const cacheHome = join(tmp.dir, 'cache');
const savedXdg = process.env['XDG_CACHE_HOME'];

/** A wrapper that logs its arguments, then runs the real binary. */
function wrap(path: string, real: string): void {
  writeFileSync(path, `#!/bin/sh\necho "$(basename "$0") $*" >> '${runs}'\nexec '${real}' "$@"\n`);
  chmodSync(path, 0o755);
}
const runCount = (): number => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);

beforeAll(() => {
  wrap(ffmpeg, resolveCommand('ffmpeg')!);
  wrap(ffprobe, resolveCommand('ffprobe')!);
  process.env['XDG_CACHE_HOME'] = cacheHome;
});

afterAll(() => {
  if (savedXdg === undefined) delete process.env['XDG_CACHE_HOME'];
  else process.env['XDG_CACHE_HOME'] = savedXdg;
  tmp.cleanup();
});

describe("what ffmpeg can do, kept between runs", () => {
  it('is asked once, answered from the cache after, and asked again when a binary changes or the file is torn', async () => {
    expect(cacheDir()).toBe(join(cacheHome, 'ascii360'));
    const first = await findFfmpeg(ffmpeg, ffprobe);
    const asked = runCount();
    // -version of each, -hwaccels, -filters.
    expect(asked).toBe(4);
    expect(existsSync(join(cacheHome, 'ascii360', 'ffmpeg-tools.json'))).toBe(true);

    // Answered from the file: no run, the same facts (the real build's, as a fresh ask finds them).
    const second = await findFfmpeg(ffmpeg, ffprobe);
    expect(runCount()).toBe(asked);
    expect(second).toEqual(first);
    expect(first.version).toMatch(/^\S+$/);
    expect(first.version).not.toBe('unknown');
    expect(['zscale', 'scale']).toContain(first.resizer);

    // An upgraded ffprobe (its time changes) is asked again, and the new answers kept.
    const later = new Date(Date.now() + 60_000);
    utimesSync(ffprobe, later, later);
    expect(await findFfmpeg(ffmpeg, ffprobe)).toEqual(first);
    expect(runCount()).toBe(2 * asked);
    await findFfmpeg(ffmpeg, ffprobe);
    expect(runCount()).toBe(2 * asked);

    // A second ffmpeg beside the first (here another path to the same build) is kept beside it: switching back asks nothing.
    const other = join(tmp.dir, 'ffmpeg-static');
    wrap(other, resolveCommand('ffmpeg')!);
    await findFfmpeg(other, ffprobe);
    expect(runCount()).toBe(3 * asked);
    await findFfmpeg(ffmpeg, ffprobe);
    await findFfmpeg(other, ffprobe);
    expect(runCount()).toBe(3 * asked);

    // A torn file is not trusted.
    writeFileSync(join(cacheHome, 'ascii360', 'ffmpeg-tools.json'), '{"format":1,"key":');
    expect(await findFfmpeg(ffmpeg, ffprobe)).toEqual(first);
    expect(runCount()).toBe(4 * asked);
  });

  it('a cache directory that cannot be written is only slower, and a missing ffprobe still says so', async () => {
    // A file where the directory should be: mkdir fails, findFfmpeg answers all the same.
    process.env['XDG_CACHE_HOME'] = join(tmp.dir, 'not-a-dir');
    writeFileSync(join(tmp.dir, 'not-a-dir'), '');
    try {
      const before = runCount();
      const tools = await findFfmpeg(ffmpeg, ffprobe);
      expect(tools.version).not.toBe('unknown');
      expect(runCount()).toBe(before + 4);
      await expect(findFfmpeg(ffmpeg, join(tmp.dir, 'no-ffprobe'))).rejects.toThrow(/^ffprobe \(part of ffmpeg\) was not found on PATH/);
      await expect(findFfmpeg(join(tmp.dir, 'no-ffmpeg'), ffprobe)).rejects.toThrow(/^ffmpeg \(>= 4.4\) was not found on PATH/);
    } finally {
      process.env['XDG_CACHE_HOME'] = cacheHome;
    }
  });
});
