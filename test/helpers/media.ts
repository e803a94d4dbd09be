/**
 * Test media made by ffmpeg at test time (nothing is committed): small equirectangular clips.
 */
import { execFileSync } from 'node:child_process';
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

/** A 2:1 moving test pattern (testsrc2) as H.264 in MP4. */
export function makeClip(path: string, o: ClipOptions = {}): string {
  const { width = 512, height = 256, seconds = 4, fps = 30, toneHz } = o;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`];
  if (toneHz) args.push('-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000:duration=${seconds}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps));
  if (toneHz) args.push('-c:a', 'aac', '-b:a', '96k');
  args.push(path);
  execFileSync('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return path;
}
