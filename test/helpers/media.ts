/**
 * Test media made by ffmpeg at test time (nothing is committed): small equirectangular clips.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'ascii360-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ClipOptions {
  width?: number;
  height?: number;
  seconds?: number;
  fps?: number;
  /** Add a sine tone of this frequency as an AAC track. */
  toneHz?: number;
}

/** ffmpeg's arguments for makeClip's clip. */
function clipArgs(path: string, o: ClipOptions): string[] {
  const { width = 512, height = 256, seconds = 4, fps = 30, toneHz } = o;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`];
  if (toneHz) args.push('-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000:duration=${seconds}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps));
  if (toneHz) args.push('-c:a', 'aac', '-b:a', '96k');
  args.push(path);
  return args;
}

/** A 2:1 moving test pattern (testsrc2) as H.264 in MP4. */
export function makeClip(path: string, o: ClipOptions = {}): string {
  execFileSync('ffmpeg', clipArgs(path, o), { stdio: ['ignore', 'ignore', 'pipe'] });
  return path;
}

/** makeClip's clip, made while the caller goes on (its ffmpeg does not hold up the event loop). */
export function makeClipAsync(path: string, o: ClipOptions = {}): Promise<string> {
  return ffmpegAsync(clipArgs(path, o)).then(() => path);
}

/** Runs ffmpeg with `args`; rejects with its complaints when it fails. */
export function ffmpegAsync(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', args, (error, _stdout, stderr) => (error ? reject(new Error(`ffmpeg failed: ${error.message} ${stderr}`)) : resolve()));
  });
}

/**
 * Makes what `make` gives one after another, in the background: a test file starts its clips at
 * its start and each test waits for its own, so ffmpeg runs while the first tests do and not inside
 * the tests that need them. `settled` waits for every one (before their folder goes).
 */
export function mediaQueue(): { add(make: () => Promise<string>): Promise<string>; settled(): Promise<void> } {
  let last: Promise<unknown> = Promise.resolve();
  return {
    add(make) {
      const made = last.then(make);
      // Handled here too: a clip no test waited for (a filtered run) is no unhandled rejection.
      last = made.catch(() => {});
      return made;
    },
    settled: () => last.then(() => {}),
  };
}
