/**
 * Cell styles (PROTOCOL-NOTES.md §8): how the samples of one character cell become what travels and
 * what is drawn. One row per style; glyph shapes are data (coverage masks), so the fitter, the
 * terminal renderer and the browser's atlas never branch on a style's name.
 *
 * Samples of a cell are numbered row-major over its subX × subY grid: sample k sits at column
 * k % subX, row ⌊k / subX⌋. Bit k of a glyph's mask is set when the glyph's foreground covers
 * sample k; the background shows everywhere else.
 */
import { ASCII_MASKS, ASCII_ORDER } from './ascii-masks.js';

export type StyleName = 'ramp' | 'half' | 'quadrant' | 'sextant' | 'octant' | 'braille' | 'ascii';

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
  /** Fitted styles: coverage mask of each glyph (bit k: sample k shows the foreground). */
  readonly masks: Uint8Array;
  /** Fitted styles: the glyph indices the fitter tries, one per distinct {mask, complement} partition. */
  readonly candidates: Uint8Array;
  /** Why a terminal might not draw it: the Unicode version its glyphs first appeared in. */
  readonly unicode: string;
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

/**
 * One glyph per partition: a mask and its complement split the samples the same way (fore- and
 * background swap), so only the first glyph met of each pair is tried. Masks 0 and all-ones are
 * the same partition too (one colour): the space is kept, so flat cells draw as a background.
 */
function candidatesOf(glyphs: Uint32Array, masks: Uint8Array, bits: number, preference?: readonly number[]): Uint8Array {
  const all = (1 << bits) - 1;
  const seen = new Set<number>();
  const out: number[] = [];
  const order = [...(preference ?? glyphs.keys())].sort((a, b) => (glyphs[a] === SPACE ? -1 : glyphs[b] === SPACE ? 1 : 0));
  for (const g of order) {
    if (glyphs[g] === 0) continue;
    const m = masks[g]!;
    const key = Math.min(m, all ^ m);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(g);
  }
  return Uint8Array.from(out);
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
  return {
    name, subX, subY, frames: 'fitted', bytesPerCell: 7, shape, glyphs: table.glyphs, masks: table.masks,
    candidates: candidatesOf(table.glyphs, table.masks, bits, table.preference), unicode, description,
  };
}

const NONE = { glyphs: new Uint32Array(0), masks: new Uint8Array(0), candidates: new Uint8Array(0) };

/** The ASCII style's glyphs: printable ASCII 0x20–0x7E, glyph index = code − 0x20. */
function asciiTable(): { glyphs: Uint32Array; masks: Uint8Array; preference: readonly number[] } {
  const glyphs = new Uint32Array(95);
  for (let i = 0; i < 95; i++) glyphs[i] = 0x20 + i;
  return { glyphs, masks: Uint8Array.from(ASCII_MASKS), preference: ASCII_ORDER };
}

/** Every style, by name. The order is the order a client cycles through them. */
export const CELL_STYLES: Readonly<Record<StyleName, CellStyle>> = {
  ramp: {
    name: 'ramp', subX: 1, subY: 1, frames: 'cells', bytesPerCell: 4, shape: 'font', ...NONE, unicode: '1.1',
    description: "ASCILINE's 92-character luma ramp, coloured characters on black",
  },
  half: {
    name: 'half', subX: 1, subY: 2, frames: 'pixels', bytesPerCell: 6, shape: 'blocks', ...NONE, unicode: '1.1',
    description: 'upper half blocks ▀, top and bottom colour (ASCILINE pixel frames)',
  },
  quadrant: fitted('quadrant', 2, 2, 'blocks', byMask(4, (m) => QUADRANT_CODES[m]!), '1.1', '2×2 quadrant blocks, fitted colour pair'),
  sextant: fitted('sextant', 2, 3, 'blocks', byMask(6, sextantCode), '13.0', '2×3 sextant blocks, fitted colour pair'),
  octant: fitted('octant', 2, 4, 'blocks', byMask(8, (m) => OCTANT_CODES[m]!), '16.0', '2×4 octant blocks, fitted colour pair'),
  braille: fitted('braille', 2, 4, 'dots', byMask(8, brailleCode), '3.0', '2×4 braille dots, fitted colour pair'),
  ascii: fitted('ascii', 2, 4, 'font', asciiTable(), '1.1', 'printable ASCII chosen by shape, fitted colour pair'),
};

export const STYLE_NAMES: readonly StyleName[] = Object.keys(CELL_STYLES) as StyleName[];

/** The style a client that names none gets: ASCILINE's ramp, so its frames are ASCILINE's. */
export const DEFAULT_STYLE: StyleName = 'ramp';

export function isStyleName(value: unknown): value is StyleName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CELL_STYLES, value);
}

/** The `Error:` reason for a style name nobody knows (PROTOCOL-NOTES.md §6.1). */
export function unknownStyleReason(value: unknown): string {
  return `unknown style ${JSON.stringify(String(value)).slice(0, 40)}; styles: ${STYLE_NAMES.join(', ')}`;
}
