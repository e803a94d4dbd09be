/**
 * Each glyph table matches its code points, checked by drawing the glyphs with a real font and
 * reading the mask back from the pixels, not by repeating the table (PROTOCOL-NOTES.md §8.1).
 * GNU Unifont (Debian's fonts-unifont) draws block elements, braille and, in its "Upper" face, the
 * Unicode 13 sextants as exact 8×16 bitmaps. No Debian font has Unicode 16's octants yet, so those
 * are checked against the facts the Unicode 16 code chart fixes.
 */
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ASCII_MASKS } from '../protocol/ascii-masks.js';
import { CELL_STYLES, glyphCoverage, sameSplit, type CellStyle } from '../protocol/index.js';

const UNIFONT = '/usr/share/fonts/opentype/unifont/unifont.otf';
const UNIFONT_UPPER = '/usr/share/fonts/opentype/unifont/unifont_upper.otf';
const DEJAVU_MONO = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

function needFont(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${pkg} (.ci/run does)`);
}

/** Unifont's 16-pixel design at 4×: a 32×64 cell, baseline at design row 14. */
const W = 32;
const H = 64;

/** Draws each code point in its own 32×64 cell; returns one greyscale cell per code point. */
async function draw(codePoints: number[], family: string, size = 64): Promise<Uint8Array[]> {
  const texts = codePoints.map((cp, i) => `<text x="${i * W}" y="56" font-family="${family}" font-size="${size}" fill="#fff">&#${cp};</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${codePoints.length * W}" height="${H}"><rect width="100%" height="100%" fill="#000"/>${texts}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return codePoints.map((_, i) => {
    const cell = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) cell[y * W + x] = data[y * info.width + i * W + x]!;
    return cell;
  });
}

/** The mask a drawn glyph shows: `centre` reads the middle of each sub-rectangle, `any` any ink in it (braille dots). */
function maskOf(cell: Uint8Array, style: CellStyle, how: 'centre' | 'any'): number {
  let mask = 0;
  for (let k = 0; k < style.subX * style.subY; k++) {
    const x0 = ((k % style.subX) * W) / style.subX;
    const y0 = (Math.floor(k / style.subX) * H) / style.subY;
    const w = W / style.subX;
    const h = H / style.subY;
    let on = false;
    if (how === 'centre') {
      on = cell[Math.floor(y0 + h / 2) * W + Math.floor(x0 + w / 2)]! > 128;
    } else {
      for (let y = Math.ceil(y0); y < y0 + h && !on; y++) for (let x = Math.ceil(x0); x < x0 + w; x++) if (cell[y * W + x]! > 128) on = true;
    }
    if (on) mask |= 1 << k;
  }
  return mask;
}

/** Centres of the connected ink blobs of a drawn cell. */
function blobCentres(cell: Uint8Array): { x: number; y: number }[] {
  const seen = new Uint8Array(W * H);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < W * H; i++) {
    if (seen[i] || cell[i]! <= 128) continue;
    const stack = [i];
    seen[i] = 1;
    let sx = 0, sy = 0, n = 0;
    while (stack.length) {
      const j = stack.pop()!;
      sx += j % W;
      sy += Math.floor(j / W);
      n++;
      for (const d of [-1, 1, -W, W]) {
        const k = j + d;
        if (k < 0 || k >= W * H || seen[k] || cell[k]! <= 128 || (Math.abs(d) === 1 && Math.floor(k / W) !== Math.floor(j / W))) continue;
        seen[k] = 1;
        stack.push(k);
      }
    }
    out.push({ x: sx / n, y: sy / n });
  }
  return out;
}

async function expectDrawnMasks(style: CellStyle, family: string, how: 'centre' | 'any'): Promise<number> {
  const glyphs = [...style.glyphs.keys()].filter((g) => style.glyphs[g] !== 0);
  const cells = await draw(glyphs.map((g) => style.glyphs[g]!), family);
  glyphs.forEach((g, i) => {
    expect(maskOf(cells[i]!, style, how), `${style.name} glyph ${g} U+${style.glyphs[g]!.toString(16)}`).toBe(style.masks[g]);
  });
  return glyphs.length;
}

describe('glyph tables, drawn', () => {
  it('quadrants: Unifont draws each with the table mask', async () => {
    needFont(UNIFONT, 'fonts-unifont');
    expect(await expectDrawnMasks(CELL_STYLES.quadrant, 'Unifont', 'centre')).toBe(16);
  });

  it('sextants (bit order against U+1FB00…): Unifont Upper draws each with the table mask', async () => {
    needFont(UNIFONT_UPPER, 'fonts-unifont');
    expect(await expectDrawnMasks(CELL_STYLES.sextant, 'Unifont Upper, Unifont', 'centre')).toBe(64);
  });

  it('braille: DejaVu Sans draws dots exactly where the table says (Unifont marks empty dot places too)', async () => {
    needFont('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', 'fonts-dejavu-core');
    // The font puts its dots where it likes: learn the 8 places from the full cell U+28FF (ink blobs,
    // by column then row), then read each glyph's dots at those places.
    const style = CELL_STYLES.braille;
    const cells = await draw(Array.from({ length: 256 }, (_, d) => 0x2800 + d), 'DejaVu Sans', 40);
    const places = blobCentres(cells[0xff]!);
    expect(places).toHaveLength(8);
    const xs = [...new Set(places.map((p) => Math.round(p.x)))].sort((a, b) => a - b);
    const left = Math.min(...places.map((p) => p.x));
    const right = Math.max(...places.map((p) => p.x));
    const byPlace = (k: number) => {
      const column = places.filter((p) => Math.abs(p.x - (k % 2 === 0 ? left : right)) < (right - left) / 2).sort((a, b) => a.y - b.y);
      return column[Math.floor(k / 2)]!;
    };
    expect(xs.length).toBeGreaterThanOrEqual(2);
    for (let g = 0; g < 256; g++) {
      const cp = style.glyphs[g]!;
      const cell = cells[cp - 0x2800]!;
      let mask = 0;
      for (let k = 0; k < 8; k++) {
        const p = byPlace(k);
        if (cell[Math.round(p.y) * W + Math.round(p.x)]! > 128) mask |= 1 << k;
      }
      expect(mask, `braille glyph ${g} U+${cp.toString(16)}`).toBe(style.masks[g]);
    }
  });

  it('ascii: DejaVu Sans Mono, drawn again, gives the committed masks', async () => {
    needFont(DEJAVU_MONO, 'fonts-dejavu-core');
    // @ts-expect-error: a plain ESM script without types, the one that wrote protocol/ascii-masks.ts
    const { asciiCoverage, masksFrom } = (await import('../scripts/ascii-coverage.mjs')) as {
      asciiCoverage(): Promise<number[][]>;
      masksFrom(c: number[][]): { masks: number[] };
    };
    expect(masksFrom(await asciiCoverage()).masks).toEqual([...ASCII_MASKS]);
    // And the shapes are not degenerate: letters of different shapes get different masks.
    expect(new Set(ASCII_MASKS).size).toBeGreaterThan(15);
    expect(ASCII_MASKS[0]).toBe(0); // the space covers nothing
  });
});

describe('glyph tables, mosaic', () => {
  const st = CELL_STYLES.mosaic;
  const listed = [...st.glyphs.keys()].filter((g) => st.glyphs[g] !== 0);
  /** Ink share of each of the 4 × 8 sample rectangles of a drawn 32 × 64 cell. */
  const drawnShares = (cell: Uint8Array): number[] =>
    Array.from({ length: 32 }, (_, t) => {
      let ink = 0;
      for (let y = (t >> 2) * 8; y < ((t >> 2) + 1) * 8; y++) for (let x = (t & 3) * 8; x < ((t & 3) + 1) * 8; x++) if (cell[y * W + x]! > 128) ink++;
      return ink / 64;
    });

  it('its sextants and quadrants cover the samples the font-checked sextant and quadrant masks say', () => {
    let checked = 0;
    for (const other of [CELL_STYLES.sextant, CELL_STYLES.quadrant]) {
      for (let h = 0; h < other.glyphs.length; h++) {
        const g = listed.find((x) => st.glyphs[x] === other.glyphs[h]);
        if (g === undefined) continue;
        // Mosaic sample (c, r) spans [c/4, (c+1)/4] × [r/8, (r+1)/8]; the other's sample its column and the rows it overlaps.
        const want = Array.from({ length: 32 }, (_, t) => {
          const c = Math.floor(((t & 3) * other.subX) / 4);
          let share = 0;
          for (let k = 0; k < other.subY; k++) {
            const overlap = Math.max(0, Math.min(((t >> 2) + 1) / 8, (k + 1) / other.subY) - Math.max((t >> 2) / 8, k / other.subY));
            if ((other.masks[h]! >> (k * other.subX + c)) & 1) share += overlap * 8;
          }
          return share;
        });
        [...glyphCoverage(st, g)].forEach((v, t) => expect(v, `U+${st.glyphs[g]!.toString(16)} sample ${t}`).toBeCloseTo(want[t]!, 9));
        checked++;
      }
    }
    // Every quadrant character is in mosaic too: ▌ ▐ █ and the space under their sextant indices.
    expect(checked).toBe(64 + 16);
  });

  it('the eighth and quarter blocks: Unifont draws each covering exactly the table\'s samples', async () => {
    needFont(UNIFONT, 'fonts-unifont');
    const blocks = listed.filter((g) => g >= 80 && g < 88);
    expect(blocks.map((g) => st.glyphs[g])).toEqual([0x2581, 0x2582, 0x2583, 0x2585, 0x2586, 0x2587, 0x258e, 0x258a]);
    const cells = await draw(blocks.map((g) => st.glyphs[g]!), 'Unifont');
    blocks.forEach((g, i) => expect(drawnShares(cells[i]!), `U+${st.glyphs[g]!.toString(16)}`).toEqual([...glyphCoverage(st, g)]));
  });

  it('the wedges U+1FB3C–1FB51: Unifont Upper draws each closest to the table\'s own shape of all 22 and their complements', async () => {
    needFont(UNIFONT_UPPER, 'fonts-unifont');
    const wedges = listed.filter((g) => st.glyphs[g]! >= 0x1fb3c);
    expect(wedges.map((g) => st.glyphs[g])).toEqual(Array.from({ length: 22 }, (_, i) => 0x1fb3c + i));
    const cells = await draw(wedges.map((g) => st.glyphs[g]!), 'Unifont Upper');
    const distance = (a: readonly number[], b: ArrayLike<number>, complement: boolean) => a.reduce((d, v, t) => d + Math.abs(v - (complement ? 1 - b[t]! : b[t]!)), 0);
    wedges.forEach((g, i) => {
      const seen = drawnShares(cells[i]!);
      const own = distance(seen, glyphCoverage(st, g), false);
      // A bitmap font's staircase is within about a sixth of each sample of the exact diagonal.
      expect(own / 32, `U+${st.glyphs[g]!.toString(16)} mean share error`).toBeLessThan(0.08);
      for (const h of wedges) {
        if (h === g) continue;
        expect(distance(seen, glyphCoverage(st, h), false), `U+${st.glyphs[g]!.toString(16)} looks more like U+${st.glyphs[h]!.toString(16)}`).toBeGreaterThan(own);
        expect(distance(seen, glyphCoverage(st, h), true)).toBeGreaterThan(own);
      }
    });
  });
});

describe('glyph tables, octants (no Debian font draws Unicode 16 yet)', () => {
  const st = CELL_STYLES.octant;
  const octants = [...st.glyphs.keys()].filter((g) => st.glyphs[g]! >= 0x1cd00 && st.glyphs[g]! <= 0x1cde5);

  it('U+1CD00–1CDE5 are 230 distinct masks in increasing order, from BLOCK OCTANT-3 to BLOCK OCTANT-2345678', () => {
    expect(octants).toHaveLength(230);
    expect(octants.map((g) => st.glyphs[g])).toEqual(Array.from({ length: 230 }, (_, i) => 0x1cd00 + i));
    // Octant n is bit n−1 (1 2 / 3 4 / 5 6 / 7 8): OCTANT-3 is 0x04, OCTANT-23 0x06, OCTANT-2345678 0xFE.
    expect(st.masks[octants[0]!]).toBe(0x04);
    expect(st.masks[octants[1]!]).toBe(0x06);
    expect(st.masks[octants.at(-1)!]).toBe(0xfe);
  });

  it('the other masks are older block characters, drawn by Unifont with the same shape', async () => {
    needFont(UNIFONT, 'fonts-unifont');
    const older = [...st.glyphs.keys()].filter((g) => st.glyphs[g] !== 0 && !octants.includes(g));
    expect(older).toHaveLength(20);
    const cells = await draw(older.map((g) => st.glyphs[g]!), 'Unifont, Unifont Upper');
    older.forEach((g, i) => expect(maskOf(cells[i]!, st, 'centre'), `U+${st.glyphs[g]!.toString(16)}`).toBe(g));
    // The six left out have their complement in the table, so every split is still drawn.
    for (const m of [0x01, 0x02, 0x14, 0x28, 0x40, 0x80]) {
      expect(st.glyphs[m]).toBe(0);
      expect(st.glyphs[0xff ^ m]).not.toBe(0);
    }
  });
});

describe('reduced fits', () => {
  it('every style a table names for overload has all its glyphs, as the same characters, in that table', () => {
    for (const style of Object.values(CELL_STYLES)) {
      for (const name of style.reducedTo) {
        const cheaper = CELL_STYLES[name];
        expect(cheaper.subX * cheaper.subY, `${name} is cheaper than ${style.name}`).toBeLessThan(style.subX * style.subY);
        for (const cp of cheaper.glyphs) if (cp !== 0) expect(style.glyphs.includes(cp), `${style.name} has U+${cp.toString(16)} of ${name}`).toBe(true);
      }
    }
    expect(CELL_STYLES.mosaic.reducedTo).toEqual(['sextant', 'quadrant']);
  });
});

describe('candidates', () => {
  it.each(Object.values(CELL_STYLES).filter((s) => s.frames === 'fitted').map((s) => [s.name, s] as const))('%s: each partition at most once; block and braille styles cover all', (_n, style) => {
    const candidates = [...style.candidates];
    for (let i = 0; i < candidates.length; i++) for (let j = i + 1; j < candidates.length; j++) expect(sameSplit(style, candidates[i]!, candidates[j]!)).toBeNull();
    expect([...glyphCoverage(style, candidates[0]!)].every((v) => v === 0)).toBe(true); // a flat cell: the space (the blank braille cell)
    // Mask styles draw every split of their samples; mosaic its 68: 32 sextant, 6 quadrant, 6 eighth, 2 quarter and 22 diagonal splits.
    if (style.shape !== 'font') expect(candidates.length).toBe(style.masks.length > 0 ? 1 << (style.subX * style.subY - 1) : 68);
  });
});
