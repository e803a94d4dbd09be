/**
 * Cell styles end to end (PROTOCOL-NOTES.md §1.2, §2, §3.6, §5, §8): a real server on a still photo
 * whose left half is white and right half black (test/helpers/server.ts), viewers over real sockets.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_STYLES, Limits, LUMA_TO_RAMP, luma601, parseInit } from '../protocol/index.js';
import { tempDir } from './helpers/media.js';
import { errors, halvesPhotoServer, inits, startCli, TestViewer, type CliServer } from './helpers/server.js';

const halves = halvesPhotoServer();
const viewer = halves.viewer;

describe('cell styles over the wire', () => {
  it('a viewer that asks for no style gets ASCILINE ramp cells, byte for byte those of style=ramp', async () => {
    const plain = viewer('cols=20&rows=6&yaw=10');
    const ramp = viewer('cols=20&rows=6&yaw=10&style=ramp');
    await plain.until(() => plain.frames.length >= 1, 'a plain frame');
    await ramp.until(() => ramp.frames.length >= 1, 'a ramp frame');
    const init = inits(plain)[0]!;
    // ASCILINE's fields first and unchanged (mode 5, 20×6 cells, not pixel); ours only appended.
    expect(init).toMatch(/^INIT:[\d.]+:5:20:6:0:0:[\d.]+:[\d.]+:0:ramp:rgb:flat:10:0:90$/);
    expect(parseInit(init)).toMatchObject({ cols: 20, rows: 6, pixel: false, style: 'ramp', palette: 'rgb' });
    const frame = plain.frames[0]!;
    expect(frame.length).toBe(4 + 20 * 6 * 4);
    for (let i = 4; i < frame.length; i += 4) expect(frame[i]).toBe(LUMA_TO_RAMP[luma601(frame[i + 1]!, frame[i + 2]!, frame[i + 3]!)]);
    expect(ramp.frames[0]!.equals(frame)).toBe(true);
    expect(errors(plain)).toEqual([]);
  });

  it('style=sextant: INIT names it, frames are 7 bytes a cell, flat cells are spaces, the edge is split', async () => {
    const v = viewer('cols=16&rows=4&fov=60&style=sextant');
    await v.until(() => v.frames.length >= 1, 'a sextant frame');
    const info = parseInit(inits(v)[0]!);
    expect(info).toMatchObject({ cols: 16, rows: 4, pixel: false, style: 'sextant' });
    expect(inits(v)[0]!.split(':')[10]).toBe('sextant');
    const f = v.frames[0]!;
    expect(f.length).toBe(4 + 16 * 4 * 7);
    const st = CELL_STYLES.sextant;
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 16; x++) {
        const at = 4 + (y * 16 + x) * 7;
        const glyph = f[at]!;
        expect(st.glyphs[glyph], `cell ${x},${y}`).not.toBe(0);
        if (x < 6) expect([...f.subarray(at, at + 7)], `white cell ${x},${y}`).toEqual([0, 255, 255, 255, 255, 255, 255]);
        if (x > 9) expect([...f.subarray(at, at + 7)], `black cell ${x},${y}`).toEqual([0, 0, 0, 0, 0, 0, 0]);
      }
    }
    // yaw 0 looks at the white/black edge, between cells 7 and 8: both sides stay (nearly) plain.
    const middle = [7, 8].map((x) => f.subarray(4 + (1 * 16 + x) * 7, 4 + (1 * 16 + x) * 7 + 7));
    expect(middle[0]![4]).toBeGreaterThan(200);
    expect(middle[1]![4]).toBeLessThan(55);
    // Half a cell off the edge, the cell is split down the middle: ▌ (mask 21) white on black, or ▐ black on white.
    const off = viewer('cols=16&rows=4&fov=60&style=sextant&yaw=1.875');
    await off.until(() => off.frames.length >= 1, 'an offset frame');
    const split = off.frames[0]!.subarray(4 + (1 * 16 + 7) * 7, 4 + (1 * 16 + 7) * 7 + 7);
    const mask = st.masks[split[0]!]!;
    expect([0b010101, 0b101010]).toContain(mask);
    const leftColour = mask === 0b010101 ? split[1] : split[4];
    const rightColour = mask === 0b010101 ? split[4] : split[1];
    expect(leftColour).toBeGreaterThan(200);
    expect(rightColour).toBeLessThan(55);
  });

  it('the style message switches style with a new INIT; unknown styles are refused, the connection stays', async () => {
    const v = viewer('cols=12&rows=3&style=sextant');
    await v.until(() => v.frames.length >= 1, 'first frame');
    v.send({ type: 'style', style: 'quadrant' });
    await v.until(() => inits(v).length >= 2 && v.frames.some((f) => f.length === 4 + 12 * 3 * 7) && parseInit(inits(v)[1]!).style === 'quadrant', 'quadrant INIT');
    v.send({ type: 'style', style: 'hexagons' });
    await v.until(() => errors(v).length >= 1, 'the refusal');
    expect(errors(v)[0]).toBe('Error: unknown style "hexagons"; styles: ramp, half, quadrant, sextant, mosaic, octant, braille, ascii');
    // Still open, still quadrant: a view change brings a frame of the same shape.
    const before = v.frames.length;
    v.send({ type: 'view', yaw: 30 });
    await v.until(() => v.frames.length > before, 'a frame after the refusal');
    expect(inits(v)).toHaveLength(2);
    expect(v.closeCode).toBeNull();
    v.send({ type: 'style', pixel: true });
    await v.until(() => inits(v).length >= 3, 'half INIT');
    expect(parseInit(inits(v)[2]!)).toMatchObject({ pixel: true, rows: 6, style: 'half' });
  });

  it('an unknown style in the query: ramp, INIT and STATUS, then the Error, and the connection stays open', async () => {
    const v = viewer('cols=10&rows=3&style=nope');
    await v.until(() => v.frames.length >= 1 && errors(v).length >= 1, 'frame and notice');
    expect(parseInit(inits(v)[0]!).style).toBe('ramp');
    expect(errors(v)[0]).toBe('Error: unknown style "nope"; styles: ramp, half, quadrant, sextant, mosaic, octant, braille, ascii');
    // A joiner hears the timeline right after its INIT (§2.1): the notice comes after both.
    expect(v.texts.slice(0, 3).map((t) => t.split(':')[0])).toEqual(['INIT', 'STATUS', 'Error']);
    expect(v.closeCode).toBeNull();
  });

  it('pixel=1 still gives half-block pixel frames', async () => {
    const v = viewer('cols=10&rows=3&pixel=1');
    await v.until(() => v.frames.length >= 1, 'pixel frame');
    expect(parseInit(inits(v)[0]!)).toMatchObject({ pixel: true, rows: 6, style: 'half' });
    expect(v.frames[0]!.length).toBe(4 + 10 * 6 * 3);
  });

  it('the sample cap holds for resize and style changes (a resize in a many-sample style no longer bypasses it)', async () => {
    const v = viewer('cols=10&rows=3&style=octant');
    await v.until(() => v.frames.length >= 1, 'first frame');
    // 1000 × 100 cells is within the cell limit, but octant takes 8 samples a cell: 800 000 > 600 000.
    v.send({ type: 'resize', cols: 1000, rows: 100 });
    await v.until(() => errors(v).length >= 1, 'refused resize');
    expect(errors(v)[0]).toBe(`Error: grid 1000x100 in style octant takes 800000 samples, over the limit of ${Limits.SAMPLES_MAX}`);
    v.send({ type: 'resize', cols: 400, rows: 100 });
    await v.until(() => inits(v).length >= 2, 'allowed resize');
    v.send({ type: 'style', style: 'mosaic' }); // 400 × 100 × 32 = 1 280 000
    await v.until(() => errors(v).length >= 2, 'refused style');
    expect(errors(v)[1]).toMatch(/grid 400x100 in style mosaic takes 1280000 samples/);
    expect(inits(v)).toHaveLength(2);
    // The query clamps rows instead: 500 columns of mosaic cells fit 37 rows.
    const q = viewer('cols=500&rows=200&style=mosaic');
    await q.until(() => inits(q).length >= 1, 'clamped INIT');
    expect(parseInit(inits(q)[0]!)).toMatchObject({ cols: 500, rows: 37 });
  });

  it('palette=256 fits within the xterm palette; mode 3 truncates both colours; mode 1 is text', async () => {
    const pal = viewer('cols=12&rows=3&style=sextant&palette=256&yaw=1.875');
    const m3 = viewer('cols=12&rows=3&style=sextant&mode=3&yaw=1.875');
    const m1 = viewer('cols=12&rows=3&style=sextant&mode=1');
    await pal.until(() => pal.frames.length >= 1, 'palette frame');
    await m3.until(() => m3.frames.length >= 1, 'mode 3 frame');
    await m1.until(() => m1.texts.some((t) => /^\d/.test(t)), 'text frame');
    expect(parseInit(inits(pal)[0]!).palette).toBe('256');
    const levels = new Set([0, 95, 135, 175, 215, 255]);
    const f = pal.frames[0]!;
    for (let i = 4; i < f.length; i += 7) {
      for (const at of [1, 4]) {
        const [r, g, b] = [f[i + at]!, f[i + at + 1]!, f[i + at + 2]!];
        const inPalette = (levels.has(r) && levels.has(g) && levels.has(b)) || (r === g && g === b && (r - 8) % 10 === 0);
        expect(inPalette, `${r},${g},${b}`).toBe(true);
      }
    }
    const g3 = m3.frames[0]!;
    for (let i = 4; i < g3.length; i += 7) for (let k = 1; k < 7; k++) expect(g3[i + k]! & 0b111).toBe(0);
    const text = m1.texts.find((t) => /^\d/.test(t))!;
    expect(text.split('\n').slice(1)).toHaveLength(3);
    expect(parseInit(inits(m1)[0]!)).toMatchObject({ mode: 1, style: 'sextant' });
  });
});

describe('near-flat cells', () => {
  const tmp = tempDir();
  let server: CliServer | undefined;
  beforeAll(async () => {
    // Mid grey with a little noise that changes every frame: splits whose sides round to one colour.
    const clip = join(tmp.dir, 'grain.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x7f7f7f:s=1024x512:r=30:d=4,noise=alls=6:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv444p', clip]);
    server = await startCli([clip, '--loop', '--log-level', 'warn']);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  // §8.2: a cell of one colour is a blank on it; a glyph there, drawn in one colour, changed from frame to frame for nothing.
  it.each([['mosaic', 3], ['ascii', 3], ['octant', 2]] as const)('%s in mode %i: a cell whose colours come out one is blank', async (style, mode) => {
    const v = new TestViewer(`${server!.wsUrl}?cols=40&rows=12&style=${style}&mode=${mode}`);
    try {
      await v.until(() => v.frames.length >= 8, 'eight frames');
      let oneColour = 0;
      for (const f of v.frames.slice(0, 8)) {
        for (let at = 4; at < f.length; at += 7) {
          if (f[at + 1] !== f[at + 4] || f[at + 2] !== f[at + 5] || f[at + 3] !== f[at + 6]) continue;
          oneColour++;
          expect(f[at], `cell ${(at - 4) / 7}: ${[...f.subarray(at, at + 7)]}`).toBe(0);
        }
      }
      // Enough such cells that the check means something.
      expect(oneColour).toBeGreaterThan(8 * 40 * 12 * 0.01);
    } finally {
      v.close();
    }
  });
});
