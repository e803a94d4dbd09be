/**
 * Cell styles (PROTOCOL-NOTES.md §8): how the samples of one character cell become what travels and
 * what is drawn. One row per style; glyph shapes are data (coverage masks), so the fitter, the
 * terminal renderer and the browser's atlas never branch on a style's name.
 *
 * Samples of a cell are numbered row-major over its subX × subY grid: sample k sits at column
 * k % subX, row ⌊k / subX⌋. A glyph's shape is its coverage of the cell's atoms, an atomX × atomY
 * grid of equal rectangles, numbered the same way; every sample covers an equal block of atoms.
 * Where atoms and samples coincide (every style but mosaic) the shape is also a bit mask: bit k is
 * set when the glyph's foreground covers sample k; the background shows everywhere else.
 */
import { ASCII_MASKS, ASCII_ORDER } from './ascii-masks.js';

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
  /** The grid glyph shapes are exact on: atomX × atomY equal rectangles per cell, multiples of subX, subY. */
  readonly atomX: number;
  readonly atomY: number;
  readonly frames: StyleFrames;
  /** Bytes per character cell in a frame: 4 (char, R, G, B), 6 (two BGR pixels), 7 (glyph, fg RGB, bg RGB). */
  readonly bytesPerCell: number;
  readonly shape: GlyphShape;
  /** Fitted styles: code point of each glyph, by the glyph index sent on the wire; 0 where the index is unused. */
  readonly glyphs: Uint32Array;
  /**
   * Fitted styles whose atoms are their samples (at most 8): coverage mask of each glyph (bit k:
   * sample k shows the foreground). Empty for mosaic, whose shapes need `atoms`.
   */
  readonly masks: Uint8Array;
  /** Fitted styles: coverage of each glyph's atoms, atomX·atomY bytes per glyph (1: foreground). */
  readonly atoms: Uint8Array;
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
 * One glyph per partition: a shape and its complement split the atoms the same way (fore- and
 * background swap), so only the first glyph met of each pair is tried. The empty and the full
 * shape are the same partition too (one colour): the space is kept, so flat cells draw as a
 * background.
 */
function candidatesOf(glyphs: Uint32Array, atoms: Uint8Array, perGlyph: number, preference?: readonly number[]): Uint8Array {
  const seen = new Set<string>();
  const out: number[] = [];
  const order = [...(preference ?? glyphs.keys())].sort((a, b) => (glyphs[a] === SPACE ? -1 : glyphs[b] === SPACE ? 1 : 0));
  for (const g of order) {
    if (glyphs[g] === 0) continue;
    const shape = atoms.subarray(g * perGlyph, (g + 1) * perGlyph);
    const key = shape.join('');
    const complement = shape.map((a) => 1 - a).join('');
    const canonical = key < complement ? key : complement;
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    out.push(g);
  }
  return Uint8Array.from(out);
}

/** Atom coverage of mask-drawn glyphs (atoms = samples): byte k of glyph g is bit k of its mask. */
function atomsOfMasks(masks: Uint8Array, bits: number): Uint8Array {
  const atoms = new Uint8Array(masks.length * bits);
  for (let g = 0; g < masks.length; g++) for (let k = 0; k < bits; k++) atoms[g * bits + k] = (masks[g]! >> k) & 1;
  return atoms;
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
  const atoms = atomsOfMasks(table.masks, bits);
  return {
    name, subX, subY, atomX: subX, atomY: subY, frames: 'fitted', bytesPerCell: 7, shape, glyphs: table.glyphs, masks: table.masks, atoms,
    candidates: candidatesOf(table.glyphs, atoms, bits, table.preference), unicode, description,
  };
}

/**
 * Mosaic: every block glyph whose edges fall on thirds, halves, quarters or eighths of the cell, as
 * far as Unicode 13 has them: the sextants (thirds down, halves across), the quadrants and halves,
 * the lower eighths ▁▂▃▅▆▇ (their complements are the upper eighths) and the left quarter ▎ and
 * three quarters ▊. Atoms are 4 × 24 (a 24th is both a third's and an eighth's divisor); samples
 * are 4 × 8, so a sample straddles a sextant's edge in rows 2 and 5 of 8: the fitter takes a
 * sample as uniform over its area and splits it there (PROTOCOL-NOTES.md §8.2).
 *
 * Glyph index: 0–63 the sextant with that mask (as the sextant style: 0 space, 21 ▌, 42 ▐, 63 █),
 * 64 + q the quadrant with mask q (as the quadrant style; the four a sextant already draws are
 * never sent), 80–85 the lower 1, 2, 3, 5, 6, 7 eighths, 86 ▎, 87 ▊.
 */
const MOSAIC_X = 4;
const MOSAIC_Y = 24;
const LOWER_EIGHTHS = [1, 2, 3, 5, 6, 7];

function mosaicTable(): { glyphs: Uint32Array; atoms: Uint8Array } {
  const count = 88;
  const per = MOSAIC_X * MOSAIC_Y;
  const glyphs = new Uint32Array(count);
  const atoms = new Uint8Array(count * per);
  const fill = (g: number, x0: number, x1: number, y0: number, y1: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) atoms[g * per + y * MOSAIC_X + x] = 1;
  };
  for (let m = 0; m < 64; m++) {
    glyphs[m] = sextantCode(m);
    for (let k = 0; k < 6; k++) if (m & (1 << k)) fill(m, (k % 2) * 2, (k % 2) * 2 + 2, (k >> 1) * 8, (k >> 1) * 8 + 8);
  }
  for (let q = 0; q < 16; q++) {
    const g = 64 + q;
    // The space, ▌, ▐ and █ are sextants 0, 21, 42 and 63 already.
    glyphs[g] = q === 0 || q === 5 || q === 10 || q === 15 ? 0 : QUADRANT_CODES[q]!;
    for (let k = 0; k < 4; k++) if (q & (1 << k)) fill(g, (k % 2) * 2, (k % 2) * 2 + 2, (k >> 1) * 12, (k >> 1) * 12 + 12);
  }
  LOWER_EIGHTHS.forEach((n, i) => {
    glyphs[80 + i] = 0x2580 + n;
    fill(80 + i, 0, MOSAIC_X, MOSAIC_Y - 3 * n, MOSAIC_Y);
  });
  glyphs[86] = 0x258e; // ▎ LEFT ONE QUARTER BLOCK
  fill(86, 0, 1, 0, MOSAIC_Y);
  glyphs[87] = 0x258a; // ▊ LEFT THREE QUARTERS BLOCK
  fill(87, 0, 3, 0, MOSAIC_Y);
  return { glyphs, atoms };
}

function mosaic(): CellStyle {
  const { glyphs, atoms } = mosaicTable();
  return {
    name: 'mosaic', subX: 4, subY: 8, atomX: MOSAIC_X, atomY: MOSAIC_Y, frames: 'fitted', bytesPerCell: 7, shape: 'blocks',
    glyphs, masks: new Uint8Array(0), atoms, candidates: candidatesOf(glyphs, atoms, MOSAIC_X * MOSAIC_Y), unicode: '13.0',
    description: 'sextants, quadrants, eighths and quarters on 4×8 samples, fitted colour pair',
  };
}

/** Glyph `g`'s coverage of `style`'s atoms (atom a: column a % atomX, row ⌊a / atomX⌋; 1 where the foreground shows). */
export function glyphAtoms(style: CellStyle, g: number): Uint8Array {
  const per = style.atomX * style.atomY;
  return style.atoms.subarray(g * per, (g + 1) * per);
}

/** A sample mask as atom coverage, for styles whose atoms are their samples. */
export function maskAtoms(style: CellStyle, mask: number): Uint8Array {
  return atomsOfMasks(Uint8Array.of(mask), style.subX * style.subY);
}

const NONE = { glyphs: new Uint32Array(0), masks: new Uint8Array(0), atoms: new Uint8Array(0), candidates: new Uint8Array(0) };

/** The ASCII style's glyphs: printable ASCII 0x20–0x7E, glyph index = code − 0x20. */
function asciiTable(): { glyphs: Uint32Array; masks: Uint8Array; preference: readonly number[] } {
  const glyphs = new Uint32Array(95);
  for (let i = 0; i < 95; i++) glyphs[i] = 0x20 + i;
  return { glyphs, masks: Uint8Array.from(ASCII_MASKS), preference: ASCII_ORDER };
}

/** Every style, by name. The order is the order a client cycles through them. */
export const CELL_STYLES: Readonly<Record<StyleName, CellStyle>> = {
  ramp: {
    name: 'ramp', subX: 1, subY: 1, atomX: 1, atomY: 1, frames: 'cells', bytesPerCell: 4, shape: 'font', ...NONE, unicode: '1.1',
    description: "ASCILINE's 92-character luma ramp, coloured characters on black",
  },
  half: {
    name: 'half', subX: 1, subY: 2, atomX: 1, atomY: 2, frames: 'pixels', bytesPerCell: 6, shape: 'blocks', ...NONE, unicode: '1.1',
    description: 'upper half blocks ▀, top and bottom colour (ASCILINE pixel frames)',
  },
  quadrant: fitted('quadrant', 2, 2, 'blocks', byMask(4, (m) => QUADRANT_CODES[m]!), '1.1', '2×2 quadrant blocks, fitted colour pair'),
  sextant: fitted('sextant', 2, 3, 'blocks', byMask(6, sextantCode), '13.0', '2×3 sextant blocks, fitted colour pair'),
  mosaic: mosaic(),
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
