/**
 * Cell styles (PROTOCOL-NOTES.md §8): how the samples of one character cell become what travels and
 * what is drawn. One row per style; glyph shapes are data (coverage masks), so the fitter, the
 * terminal renderer and the browser's atlas never branch on a style's name.
 *
 * Samples of a cell are numbered row-major over its subX × subY grid: sample k sits at column
 * k % subX, row ⌊k / subX⌋. What the fitter knows of a glyph is its coverage: the share of each
 * sample its foreground covers. For every style but mosaic that is 0 or 1, a bit mask: bit k is set
 * when the glyph's foreground covers sample k; the background shows everywhere else. Block glyphs
 * also have an outline (glyph-geometry.ts), what drawers draw and what the coverage is taken from.
 */
import { ASCII_MASKS, ASCII_ORDER } from './ascii-masks.js';
import { quoted } from './errors.js';
import { coverageOf, rectangle, type Polygon } from './glyph-geometry.js';

export type StyleName = 'ramp' | 'half' | 'quadrant' | 'sextant' | 'mosaic' | 'octant' | 'braille' | 'ascii';

/** What a style's frames carry (PROTOCOL-NOTES.md §3): ASCILINE cells, ASCILINE BGR pixels, or fitted glyph cells. */
export type StyleFrames = 'cells' | 'pixels' | 'fitted';

/**
 * How a glyph's mask looks on screen, for drawers that draw by geometry: `blocks` fills each covered
 * sub-rectangle exactly, `dots` puts a round dot in each covered sub-rectangle (braille), `font`
 * draws the code point from a font (the mask is then the fitter's approximation of its shape).
 */
export type GlyphShape = 'blocks' | 'dots' | 'font';

export interface CellStyle {
  readonly name: StyleName;
  /** Samples per cell across and down. */
  readonly subX: number;
  readonly subY: number;
  readonly frames: StyleFrames;
  /** Bytes per character cell in a frame: 4 (char, R, G, B), 6 (two BGR pixels), 7 (glyph, fg RGB, bg RGB). */
  readonly bytesPerCell: number;
  readonly shape: GlyphShape;
  /** Fitted styles: code point of each glyph, by the glyph index sent on the wire; 0 where the index is unused. */
  readonly glyphs: Uint32Array;
  /**
   * Fitted styles of at most 8 samples whose glyphs cover whole samples: coverage mask of each
   * glyph (bit k: sample k shows the foreground). Empty for mosaic, whose edges cut samples.
   */
  readonly masks: Uint8Array;
  /** Fitted styles: share of each sample each glyph's foreground covers, subX·subY values per glyph. */
  readonly coverage: Float64Array;
  /** Block styles: each glyph's foreground as polygons in cell units (empty for the space, dots and font glyphs). */
  readonly outlines: readonly (readonly Polygon[])[];
  /** Fitted styles: the glyph indices the fitter tries, one per distinct {mask, complement} partition. */
  readonly candidates: Uint8Array;
  /** Why a terminal might not draw it: the Unicode version its glyphs first appeared in. */
  readonly unicode: string;
  /**
   * Cheaper fitted styles whose every glyph this table has too, dearest first: what the server fits
   * instead under overload (src/workers/fit-effort.ts), sending the same characters' indices here.
   */
  readonly reducedTo: readonly StyleName[];
  /** One line for help texts. */
  readonly description: string;
}

const SPACE = 0x20;
const FULL = 0x2588;

/** Glyph table indexed by mask: `pick(mask)` gives the code point, 0 for a mask no glyph draws. */
function byMask(bits: number, pick: (mask: number) => number): { glyphs: Uint32Array; masks: Uint8Array } {
  const n = 1 << bits;
  const glyphs = new Uint32Array(n);
  const masks = new Uint8Array(n);
  for (let m = 0; m < n; m++) {
    glyphs[m] = pick(m);
    masks[m] = m;
  }
  return { glyphs, masks };
}

/** A coverage vector as a key: shares to 1e-9, so a glyph and one drawing the same split compare equal. */
function coverageKey(shares: ArrayLike<number>, complement: boolean): string {
  let key = '';
  for (let k = 0; k < shares.length; k++) key += `${Math.round((complement ? 1 - shares[k]! : shares[k]!) * 1e9)},`;
  return key;
}

/**
 * One glyph per partition: a glyph and its complement split the samples the same way (fore- and
 * background swap), so only the first glyph met of each pair is tried. The empty and the full
 * glyph are the same partition too (one colour): the space is kept, so flat cells draw as a
 * background.
 */
function candidatesOf(glyphs: Uint32Array, coverage: Float64Array, samples: number, preference?: readonly number[]): Uint8Array {
  const seen = new Set<string>();
  const out: number[] = [];
  const order = [...(preference ?? glyphs.keys())].sort((a, b) => (glyphs[a] === SPACE ? -1 : glyphs[b] === SPACE ? 1 : 0));
  for (const g of order) {
    if (glyphs[g] === 0) continue;
    const shares = coverage.subarray(g * samples, (g + 1) * samples);
    const key = coverageKey(shares, false);
    const complement = coverageKey(shares, true);
    const canonical = key < complement ? key : complement;
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    out.push(g);
  }
  return Uint8Array.from(out);
}

/** Whether two coverages split the samples alike: `same`, as each other's `complement`, or not at all. */
export function sameCoverageSplit(a: ArrayLike<number>, b: ArrayLike<number>): 'same' | 'complement' | null {
  const ka = coverageKey(a, false);
  if (ka === coverageKey(b, false)) return 'same';
  return ka === coverageKey(b, true) ? 'complement' : null;
}

/** Whether two glyphs of `style` split the samples alike: `same`, as each other's `complement`, or not at all. */
export function sameSplit(style: CellStyle, a: number, b: number): 'same' | 'complement' | null {
  return sameCoverageSplit(glyphCoverage(style, a), glyphCoverage(style, b));
}

/** Each listed glyph's coverage (glyphCoverage) by its code point, for code that sees characters, not indices. */
export function coverageByCodePoint(style: CellStyle): Map<number, Float64Array> {
  const map = new Map<number, Float64Array>();
  style.glyphs.forEach((cp, g) => {
    if (cp >= 0x20 && !map.has(cp)) map.set(cp, glyphCoverage(style, g));
  });
  return map;
}

/** Coverage of mask-drawn glyphs: share k of glyph g is bit k of its mask. */
function coverageOfMasks(masks: Uint8Array, bits: number): Float64Array {
  const coverage = new Float64Array(masks.length * bits);
  for (let g = 0; g < masks.length; g++) for (let k = 0; k < bits; k++) coverage[g * bits + k] = (masks[g]! >> k) & 1;
  return coverage;
}

/** Outlines of mask-drawn block glyphs: one rectangle per covered sample. */
function outlinesOfMasks(glyphs: Uint32Array, masks: Uint8Array, subX: number, subY: number): Polygon[][] {
  return [...masks].map((m, g) => {
    const out: Polygon[] = [];
    if (glyphs[g] === 0) return out;
    for (let k = 0; k < subX * subY; k++) {
      if (m & (1 << k)) out.push(rectangle((k % subX) / subX, Math.floor(k / subX) / subY, ((k % subX) + 1) / subX, (Math.floor(k / subX) + 1) / subY));
    }
    return out;
  });
}

/** Quadrants, bits TL, TR, BL, BR (U+2596–U+259F with the half blocks, the space and the full block). */
const QUADRANT_CODES = [
  SPACE, 0x2598, 0x259d, 0x2580, 0x2596, 0x258c, 0x259e, 0x259b,
  0x2597, 0x259a, 0x2590, 0x259c, 0x2584, 0x2599, 0x259f, FULL,
];

/**
 * Sextants 1–6 are bits 0–5 (row-major, as in the Unicode names BLOCK SEXTANT-1…6). U+1FB00–1FB3B
 * are masks 1–62 in increasing order, leaving out 21 and 42, the left and right halves ▌ ▐.
 */
function sextantCode(m: number): number {
  if (m === 0) return SPACE;
  if (m === 63) return FULL;
  if (m === 0b010101) return 0x258c;
  if (m === 0b101010) return 0x2590;
  return 0x1fb00 + m - 1 - (m > 21 ? 1 : 0) - (m > 42 ? 1 : 0);
}

/**
 * Octants 1–8 are bits 0–7 (row-major, as in Unicode 16's BLOCK OCTANT-n). U+1CD00–1CDE5 are the 230
 * masks left after the 26 that older block characters already draw, in increasing order. Of those
 * 26, the space, the full block, the four halves, the ten quadrants and the upper and lower one and
 * three quarter blocks are in this table; the six others (one octant-pair eighths and middle
 * quarters, U+1CEA0… and U+1FBE6…, newer and rarer in fonts) are left out: their complements are
 * octants, so every partition is still drawn.
 */
const OCTANT_ELSEWHERE: ReadonlyMap<number, number> = new Map([
  [0x00, SPACE], [0xff, FULL],
  [0x0f, 0x2580], [0xf0, 0x2584], [0x55, 0x258c], [0xaa, 0x2590],
  [0x05, 0x2598], [0x0a, 0x259d], [0x50, 0x2596], [0xa0, 0x2597], [0xa5, 0x259a],
  [0x5a, 0x259e], [0x5f, 0x259b], [0xaf, 0x259c], [0xf5, 0x2599], [0xfa, 0x259f],
  [0xc0, 0x2582], [0xfc, 0x2586], [0x03, 0x1fb82], [0x3f, 0x1fb85],
  [0x01, 0], [0x02, 0], [0x40, 0], [0x80, 0], [0x14, 0], [0x28, 0],
]);

const OCTANT_CODES: number[] = (() => {
  const codes: number[] = [];
  let next = 0x1cd00;
  for (let m = 0; m < 256; m++) codes.push(OCTANT_ELSEWHERE.has(m) ? OCTANT_ELSEWHERE.get(m)! : next++);
  return codes;
})();

/**
 * Braille: our sample bits (row-major 2×4) → braille dot bits. Dots 1, 2, 3 run down the left
 * column and 4, 5, 6 down the right (bits 0–5), dots 7 and 8 are the bottom row (bits 6, 7).
 */
const BRAILLE_DOT = [0x01, 0x08, 0x02, 0x10, 0x04, 0x20, 0x40, 0x80];

function brailleCode(m: number): number {
  let dots = 0;
  for (let k = 0; k < 8; k++) if (m & (1 << k)) dots |= BRAILLE_DOT[k]!;
  return 0x2800 + dots;
}

function fitted(
  name: StyleName,
  subX: number,
  subY: number,
  shape: GlyphShape,
  table: { glyphs: Uint32Array; masks: Uint8Array; preference?: readonly number[] },
  unicode: string,
  description: string,
): CellStyle {
  const bits = subX * subY;
  const coverage = coverageOfMasks(table.masks, bits);
  const outlines = shape === 'blocks' ? outlinesOfMasks(table.glyphs, table.masks, subX, subY) : table.masks.length ? [...table.masks].map(() => []) : [];
  return {
    name, subX, subY, frames: 'fitted', bytesPerCell: 7, shape, glyphs: table.glyphs, masks: table.masks, coverage, outlines,
    candidates: candidatesOf(table.glyphs, coverage, bits, table.preference), unicode, description, reducedTo: [],
  };
}

/**
 * Mosaic: the block glyphs of Unicode 13 whose edges fall on thirds, halves, quarters or eighths
 * of the cell, and the smooth-mosaic wedges between those points: the sextants, the quadrants
 * and halves, the lower eighths ▁▂▃▅▆▇ (their complements are the upper eighths), the left
 * quarter ▎ and three quarters ▊, and the 22 diagonal blocks U+1FB3C–1FB51 (their complements are
 * U+1FB52–1FB67). Samples are 4 × 8: a sample straddles a sextant's edge in rows 2 and 5 of 8 and a
 * wedge's diagonal wherever it passes; the fitter takes each sample as uniform over its area and
 * counts the share of it each side covers (PROTOCOL-NOTES.md §8.2).
 *
 * Glyph index: 0–63 the sextant with that mask (as the sextant style: 0 space, 21 ▌, 42 ▐, 63 █),
 * 64 + q the quadrant with mask q (as the quadrant style; the four a sextant already draws are
 * never sent), 80–85 the lower 1, 2, 3, 5, 6, 7 eighths, 86 ▎, 87 ▊, 88 + i U+1FB3C + i.
 */
const LOWER_EIGHTHS = [1, 2, 3, 5, 6, 7];

/**
 * The smooth-mosaic wedges U+1FB3C–1FB51 by their Unicode names: a LOWER LEFT (LOWER RIGHT) BLOCK
 * DIAGONAL from one point to another covers the part of the cell on the lower-left (lower-right)
 * side of the line between them. Points are the sextant grid's on the cell's edge.
 */
const EDGE_POINTS: Readonly<Record<string, readonly [number, number]>> = {
  'upper left': [0, 0], 'upper centre': [0.5, 0], 'upper right': [1, 0],
  'upper middle left': [0, 1 / 3], 'lower middle left': [0, 2 / 3],
  'upper middle right': [1, 1 / 3], 'lower middle right': [1, 2 / 3],
  'lower left': [0, 1], 'lower centre': [0.5, 1], 'lower right': [1, 1],
};
const WEDGES: readonly (readonly ['left' | 'right', string, string])[] = [
  ['left', 'lower middle left', 'lower centre'], // U+1FB3C
  ['left', 'lower middle left', 'lower right'],
  ['left', 'upper middle left', 'lower centre'],
  ['left', 'upper middle left', 'lower right'],
  ['left', 'upper left', 'lower centre'], // U+1FB40
  ['right', 'upper middle left', 'upper centre'],
  ['right', 'upper middle left', 'upper right'],
  ['right', 'lower middle left', 'upper centre'],
  ['right', 'lower middle left', 'upper right'],
  ['right', 'lower left', 'upper centre'], // U+1FB45
  ['right', 'lower middle left', 'upper middle right'],
  ['right', 'lower centre', 'lower middle right'],
  ['right', 'lower left', 'lower middle right'],
  ['right', 'lower centre', 'upper middle right'],
  ['right', 'lower left', 'upper middle right'], // U+1FB4A
  ['right', 'lower centre', 'upper right'],
  ['left', 'upper centre', 'upper middle right'],
  ['left', 'upper left', 'upper middle right'],
  ['left', 'upper centre', 'lower middle right'],
  ['left', 'upper left', 'lower middle right'], // U+1FB4F
  ['left', 'upper centre', 'lower right'],
  ['left', 'upper middle left', 'lower middle right'], // U+1FB51
];

/** The part of the unit cell on the side of the line a–b where `corner` lies, as a convex polygon. */
function cornerSide(a: readonly [number, number], b: readonly [number, number], corner: readonly [number, number]): Polygon {
  const side = (p: readonly [number, number]) => (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
  const want = Math.sign(side(corner));
  const ring: (readonly [number, number])[] = [[0, 0], [1, 0], [1, 1], [0, 1]];
  const out: [number, number][] = [];
  for (let i = 0; i < 4; i++) {
    const p = ring[i]!;
    const q = ring[(i + 1) % 4]!;
    const sp = side(p);
    const sq = side(q);
    if (Math.sign(sp) === want || sp === 0) out.push([p[0], p[1]]);
    if (sp !== 0 && sq !== 0 && Math.sign(sp) !== Math.sign(sq)) {
      const t = sp / (sp - sq);
      out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
    }
  }
  return out;
}

function mosaic(): CellStyle {
  const subX = 4;
  const subY = 8;
  const count = 88 + WEDGES.length;
  const glyphs = new Uint32Array(count);
  const outlines: Polygon[][] = Array.from({ length: count }, () => []);
  for (let m = 0; m < 64; m++) {
    glyphs[m] = sextantCode(m);
    for (let k = 0; k < 6; k++) if (m & (1 << k)) outlines[m]!.push(rectangle((k % 2) / 2, (k >> 1) / 3, (k % 2) / 2 + 0.5, ((k >> 1) + 1) / 3));
  }
  for (let q = 0; q < 16; q++) {
    // The space, ▌, ▐ and █ are sextants 0, 21, 42 and 63 already.
    if (q === 0 || q === 5 || q === 10 || q === 15) continue;
    glyphs[64 + q] = QUADRANT_CODES[q]!;
    for (let k = 0; k < 4; k++) if (q & (1 << k)) outlines[64 + q]!.push(rectangle((k % 2) / 2, (k >> 1) / 2, (k % 2) / 2 + 0.5, (k >> 1) / 2 + 0.5));
  }
  LOWER_EIGHTHS.forEach((n, i) => {
    glyphs[80 + i] = 0x2580 + n;
    outlines[80 + i]!.push(rectangle(0, 1 - n / 8, 1, 1));
  });
  glyphs[86] = 0x258e; // ▎ LEFT ONE QUARTER BLOCK
  outlines[86]!.push(rectangle(0, 0, 0.25, 1));
  glyphs[87] = 0x258a; // ▊ LEFT THREE QUARTERS BLOCK
  outlines[87]!.push(rectangle(0, 0, 0.75, 1));
  WEDGES.forEach(([towards, from, to], i) => {
    glyphs[88 + i] = 0x1fb3c + i;
    outlines[88 + i]!.push(cornerSide(EDGE_POINTS[from]!, EDGE_POINTS[to]!, towards === 'left' ? [0, 1] : [1, 1]));
  });
  const samples = subX * subY;
  // The coverage (every outline clipped against every sample) is the fitter's and the bench's: made
  // when first read, so a server's main thread, which only asks this row for the frame's shape, never
  // spends the 50–65 ms on it that a first mosaic viewer's join waited for.
  let coverage: Float64Array | null = null;
  let candidates: Uint8Array | null = null;
  const coverageOfAll = (): Float64Array => {
    if (!coverage) {
      coverage = new Float64Array(count * samples);
      outlines.forEach((outline, g) => coverage!.set(coverageOf(outline, subX, subY), g * samples));
    }
    return coverage;
  };
  return {
    name: 'mosaic', subX, subY, frames: 'fitted', bytesPerCell: 7, shape: 'blocks', glyphs, masks: new Uint8Array(0), outlines,
    get coverage() {
      return coverageOfAll();
    },
    get candidates() {
      return (candidates ??= candidatesOf(glyphs, coverageOfAll(), samples));
    },
    unicode: '13.0', reducedTo: ['sextant', 'quadrant'],
    description: 'sextants, quadrants, eighths, quarters and diagonals on 4×8 samples, fitted colour pair',
  };
}

/** Glyph `g`'s coverage of `style`'s samples (sample k: column k % subX, row ⌊k / subX⌋). */
export function glyphCoverage(style: CellStyle, g: number): Float64Array {
  const n = style.subX * style.subY;
  return style.coverage.subarray(g * n, (g + 1) * n);
}

const NONE = { glyphs: new Uint32Array(0), masks: new Uint8Array(0), coverage: new Float64Array(0), outlines: [], candidates: new Uint8Array(0), reducedTo: [] };

/** The ASCII style's glyphs: printable ASCII 0x20–0x7E, glyph index = code − 0x20. */
function asciiTable(): { glyphs: Uint32Array; masks: Uint8Array; preference: readonly number[] } {
  const glyphs = new Uint32Array(95);
  for (let i = 0; i < 95; i++) glyphs[i] = 0x20 + i;
  return { glyphs, masks: Uint8Array.from(ASCII_MASKS), preference: ASCII_ORDER };
}

/**
 * Rows made on first use, then kept. The fitted rows take the coverage of every glyph's outline,
 * about 100 ms of CPU that every process, render worker and page paid at start-up, though most use
 * one or two styles.
 */
function builtOnUse<T extends object>(makers: { readonly [K in keyof T]: () => T[K] }): Readonly<T> {
  const rows = {} as T;
  for (const name of Object.keys(makers) as (keyof T)[]) {
    Object.defineProperty(rows, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        const row = makers[name]();
        Object.defineProperty(rows, name, { value: row, enumerable: true });
        return row;
      },
    });
  }
  return rows;
}

/** Every style, by name. The order is the order a client cycles through them. */
export const CELL_STYLES: Readonly<Record<StyleName, CellStyle>> = builtOnUse<Record<StyleName, CellStyle>>({
  ramp: () => ({
    name: 'ramp', subX: 1, subY: 1, frames: 'cells', bytesPerCell: 4, shape: 'font', ...NONE, unicode: '1.1',
    description: "ASCILINE's 92-character luma ramp, coloured characters on black",
  }),
  half: () => ({
    name: 'half', subX: 1, subY: 2, frames: 'pixels', bytesPerCell: 6, shape: 'blocks', ...NONE, unicode: '1.1',
    description: 'upper half blocks ▀, top and bottom colour (ASCILINE pixel frames)',
  }),
  quadrant: () => fitted('quadrant', 2, 2, 'blocks', byMask(4, (m) => QUADRANT_CODES[m]!), '1.1', '2×2 quadrant blocks, fitted colour pair'),
  sextant: () => fitted('sextant', 2, 3, 'blocks', byMask(6, sextantCode), '13.0', '2×3 sextant blocks, fitted colour pair'),
  mosaic,
  octant: () => fitted('octant', 2, 4, 'blocks', byMask(8, (m) => OCTANT_CODES[m]!), '16.0', '2×4 octant blocks, fitted colour pair'),
  braille: () => fitted('braille', 2, 4, 'dots', byMask(8, brailleCode), '3.0', '2×4 braille dots, fitted colour pair'),
  ascii: () => fitted('ascii', 2, 4, 'font', asciiTable(), '1.1', 'printable ASCII chosen by shape, fitted colour pair'),
});

export const STYLE_NAMES: readonly StyleName[] = Object.keys(CELL_STYLES) as StyleName[];

/** The style a client that names none gets: ASCILINE's ramp, so its frames are ASCILINE's. */
export const DEFAULT_STYLE: StyleName = 'ramp';

export function isStyleName(value: unknown): value is StyleName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CELL_STYLES, value);
}

/** The `Error:` reason for a style name nobody knows (PROTOCOL-NOTES.md §6.1). */
export function unknownStyleReason(value: unknown): string {
  return `unknown style ${quoted(value)}; styles: ${STYLE_NAMES.join(', ')}`;
}
