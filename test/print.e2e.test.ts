/**
 * `ascii360 print`: one view as lines of coloured text on standard output (src/client/terminal/
 * print-view.ts), through the real CLI, server and ffmpeg, its bytes replayed into @xterm/headless
 * as a terminal would show them (a pty turns each newline into CR LF: convertEol).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { closeSync, openSync } from 'node:fs';
import xterm from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAsync, tempDir } from './helpers/media.js';
import { CLI } from './helpers/server.js';

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;

const tmp = tempDir('ascii360-print-');
const photo = join(tmp.dir, 'halves.png');
const diagonal = join(tmp.dir, 'diagonal.png');
const clip = join(tmp.dir, 'red-then-blue.mp4');

beforeAll(async () => {
  await Promise.all([
    // Red on the left half of the panorama (longitudes −180…0), blue on the right.
    ffmpegAsync(['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=512x256,drawbox=x=256:y=0:w=256:h=256:color=blue:t=fill', '-frames:v', '1', '-y', photo]),
    // A diagonal edge: cells it crosses are drawn best by mosaic's wedges.
    ffmpegAsync(['-v', 'error', '-f', 'lavfi', '-i', "color=c=black:s=1024x512,format=gray,geq=lum='if(gt(X+2*Y,1000),255,0)'", '-frames:v', '1', '-y', diagonal]),
    // One second of red, then one of blue.
    ffmpegAsync(['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=512x256:r=30:d=1', '-f', 'lavfi', '-i', 'color=c=blue:s=512x256:r=30:d=1', '-filter_complex', '[0][1]concat=n=2:v=1:a=0', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-y', clip]),
  ]);
});

afterAll(() => tmp.cleanup());

type Printed = { code: number | null; stdout: Buffer; stderr: string };

/**
 * `ascii360 print …` with standard output `to`: a pipe (not a terminal); `closed`, a reader gone
 * before the picture comes (`| head -c0`); `full`, a device that is always full (`> /dev/full`).
 */
function print(args: string[], to: 'pipe' | 'closed' | 'full' = 'pipe'): Promise<Printed> {
  return new Promise((resolve) => {
    const out = to === 'full' ? openSync('/dev/full', 'w') : 'pipe';
    const child = spawn(process.execPath, [CLI, 'print', ...args], { stdio: ['ignore', out, 'pipe'], env: { ...process.env, COLORTERM: '', TERM: 'dumb' } });
    if (typeof out === 'number') closeSync(out);
    const chunks: Buffer[] = [];
    let stderr = '';
    if (to === 'closed') child.stdout!.destroy();
    else child.stdout?.on('data', (d: Buffer) => chunks.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(chunks), stderr });
    });
  });
}

async function shown(bytes: Buffer, cols: number, rows: number): Promise<Term> {
  const term = new Terminal({ cols, rows: rows + 1, allowProposedApi: true, convertEol: true });
  await new Promise<void>((r) => term.write(bytes, r));
  return term;
}

/** Every cell's foreground and background colours (24-bit) of a replayed half-block picture. */
function colours(term: Term, cols: number, rows: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const c = term.buffer.active.getLine(y)!.getCell(x)!;
      expect(c.getChars()).toBe('▀');
      out.push(c.getFgColor(), c.getBgColor());
    }
  }
  return out;
}

const near = (rgb: number, r: number, g: number, b: number): boolean => Math.abs((rgb >> 16) - r) < 40 && Math.abs(((rgb >> 8) & 255) - g) < 40 && Math.abs((rgb & 255) - b) < 40;

describe('ascii360 print', () => {
  it('prints the view asked for, in its direction, and exits 0: the left half of a photo red, the right half blue', async () => {
    const size = ['--style', 'half', '--color', 'truecolor', '--cols', '20', '--rows', '6', '--fov', '60'];
    const [left, right] = await Promise.all([print([photo, ...size, '--yaw', '-90']), print([photo, ...size, '--yaw', '90'])]);
    const expected: [Printed, [number, number, number]][] = [[left, [255, 0, 0]], [right, [0, 0, 255]]];
    for (const [r, rgb] of expected) {
      expect([r.code, r.stderr]).toEqual([0, '']);
      const lines = r.stdout.toString('utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(6);
      const cells = colours(await shown(r.stdout, 20, 6), 20, 6);
      expect(cells.filter((c) => !near(c, ...rgb))).toEqual([]);
    }
  }, 60_000);

  it('prints the moment --start names, fitted in full: mosaic draws a diagonal with its wedges, not the sextants of a first frame', async () => {
    const size = ['--style', 'half', '--color', 'truecolor', '--cols', '16', '--rows', '4'];
    const [first, later, edge] = await Promise.all([
      print([clip, ...size]),
      print([clip, ...size, '--start', '1.5']),
      print([diagonal, '--style', 'mosaic', '--color', 'truecolor', '--cols', '80', '--rows', '24']),
    ]);
    expect(colours(await shown(first.stdout, 16, 4), 16, 4).filter((c) => !near(c, 255, 0, 0))).toEqual([]);
    expect(colours(await shown(later.stdout, 16, 4), 16, 4).filter((c) => !near(c, 0, 0, 255))).toEqual([]);
    expect(edge.code).toBe(0);
    // U+1FB3C…1FB67: the smooth mosaic's wedges, which only the full fit draws.
    const wedges = [...edge.stdout.toString('utf8')].filter((ch) => ch.codePointAt(0)! >= 0x1fb3c && ch.codePointAt(0)! <= 0x1fb67);
    expect(wedges.length).toBeGreaterThan(5);
  }, 60_000);

  it('into a pipe: 80 × 24 unless told, plain text in mono, a reader gone before the picture is no error, a full disk is', async () => {
    const [whole, head, bad, mono, full] = await Promise.all([
      print([photo, '--color', '256']), print([photo, '--color', '256'], 'closed'), print([photo, '--cols', '0']), print([photo, '--color', 'mono', '--cols', '30', '--rows', '3']),
      print([photo, '--color', '256'], 'full'),
    ]);
    expect(full.code).toBe(1);
    expect(full.stderr).toBe('ascii360: cannot write the picture: ENOSPC\n');
    expect(whole.code).toBe(0);
    const lines = whole.stdout.toString('utf8').split('\n');
    lines.pop();
    expect(lines).toHaveLength(24);
    const term = await shown(whole.stdout, 80, 24);
    expect(term.buffer.active.getLine(23)!.translateToString(true)).toHaveLength(80);
    expect([head.code, head.stderr]).toEqual([0, '']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/argument '0' is invalid\. cols must be an integer from 1 to 1000/);
    // Mono sets no colour: three lines of 30 characters and nothing else, for a text file.
    expect(mono.code).toBe(0);
    expect(mono.stdout.toString('utf8')).toMatch(/^([\x20-\x7e]{30}\n){3}$/);
  }, 60_000);

  it('a live stream, which cannot pause: its full fit, and the program ends', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const sender = spawn('ffmpeg', ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=512x256:r=30', '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`], { stdio: 'ignore' });
    try {
      const live = await print([`udp://127.0.0.1:${port}`, '--style', 'mosaic', '--color', 'truecolor', '--cols', '40', '--rows', '8']);
      expect([live.code, live.stderr]).toEqual([0, '']);
      expect(live.stdout.toString('utf8').split('\n')).toHaveLength(9);
    } finally {
      sender.kill('SIGKILL');
    }
  }, 60_000);
});
