/**
 * SIGINT and SIGTERM: every socket is closed with 1001, every listener's stream ends, every ffmpeg
 * child stops, and the process exits 0 within 2 s.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from './helpers/audio.js';
import { makeClip, tempDir } from './helpers/media.js';
import { startCli, TestViewer } from './helpers/server.js';

const tmp = tempDir();
let clip = '';
beforeAll(() => {
  // Long enough that both encodes still run when the signal comes (sound is encoded ahead).
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 60, toneHz: 440 });
});
afterAll(() => tmp.cleanup());

/** Running (a zombie waiting for this container's init to reap it has stopped all the same). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

// SIGHUP (the operator's ssh session closed): as cleanly, then the process dies of the hangup.
describe.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s', (signal) => {
  it('closes sockets with 1001, ends audio, stops ffmpeg, exits within 2 s', async () => {
    const s = await startCli([clip, '--loop', '--log-level', 'warn']);
    const viewers = [new TestViewer(`${s.wsUrl}?cols=8&rows=4`), new TestViewer(`${s.wsUrl}?cols=9&rows=4&yaw=90`)];
    for (const v of viewers) await v.moreFrames(3);
    const listener = await listen(`${s.url}/audio`);
    await new Promise((r) => setTimeout(r, 300));
    const children = execFileSync('pgrep', ['-P', String(s.proc.pid), 'ffmpeg'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(children).toHaveLength(2); // picture and sound
    const exited = new Promise<{ code: number | null; by: NodeJS.Signals | null; ms: number }>((resolve) => {
      const t0 = performance.now();
      s.proc.once('exit', (code, by) => resolve({ code, by, ms: performance.now() - t0 }));
    });
    s.proc.kill(signal);
    // A closing terminal sends SIGHUP twice (the kernel's, then the shell's to its jobs): still one clean shutdown.
    if (signal === 'SIGHUP') setTimeout(() => s.proc.kill('SIGHUP'), 1);
    const { code, by, ms } = await exited;
    expect({ code, by }).toEqual(signal === 'SIGHUP' ? { code: null, by: 'SIGHUP' } : { code: 0, by: null });
    expect(ms).toBeLessThan(2000);
    for (const v of viewers) {
      await v.until(() => v.closeCode !== null, 'close');
      expect(v.closeCode).toBe(1001);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(listener.ended).toBe(true);
    for (const pid of children) expect(alive(pid)).toBe(false);
  });
});
