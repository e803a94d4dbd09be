/**
 * How a terminal draws a character in an 8×16 cell, as coverage (0…1 per pixel, foreground over
 * background):
 * - by geometry, for the block elements U+2580–259F, the sextants, the octants and the other block
 *   characters of the octant table, and braille: the quadrant, sextant and octant glyphs' masks and
 *   braille's dots come from protocol/cell-styles.ts (a reverse map code point → style and mask),
 *   so what is drawn is what the fitter assumed; the block elements no style lists (eighths,
 *   shades) are written out here. Sub-cell boundaries fall where they fall (a sextant row is 16/3
 *   pixels), a straddled pixel gets its covered fraction;
 * - everything else (letters of the ramp and ascii styles, whatever a peer prints) from DejaVu
 *   Sans Mono rasterised by librsvg through sharp, with scripts/ascii-coverage.mjs's placement, at
 *   4× and box-filtered down: the ink's coverage per pixel.
 */
import sharp from 'sharp';
import { CELL_STYLES, type CellStyle } from '../../protocol/cell-styles.js';
import { areaInRect, type Polygon } from '../../protocol/glyph-geometry.js';

export const CELL_W = 8;
export const CELL_H = 16;
const PIXELS = CELL_W * CELL_H;
/** Subdivisions per pixel side when coverage is found by sampling (braille dots). */
const SUPER = 8;
/** Braille dot radius as a fraction of its sub-cell's width: a 3 px dot in a 4 px wide sub-cell. */
const DOT_RADIUS = 0.375;

/** Coverage of the rectangle [x0, x1) × [y0, y1) (cell pixels, fractional) added into `a`. */
function addRect(a: Float32Array, x0: number, y0: number, x1: number, y1: number, alpha = 1): void {
  for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
    const fy = Math.min(y + 1, y1) - Math.max(y, y0);
    for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      const fx = Math.min(x + 1, x1) - Math.max(x, x0);
      a[y * CELL_W + x] = Math.min(1, a[y * CELL_W + x]! + fx * fy * alpha);
    }
  }
}

/** A block glyph's outline (cell units) as exact per-pixel coverage: each pixel gets the share of it the polygons cover. */
function outlineBlocks(outline: readonly Polygon[]): Float32Array {
  const a = new Float32Array(PIXELS);
  for (let y = 0; y < CELL_H; y++) {
    for (let x = 0; x < CELL_W; x++) {
      let area = 0;
      for (const polygon of outline) area += areaInRect(polygon, x / CELL_W, y / CELL_H, (x + 1) / CELL_W, (y + 1) / CELL_H);
      a[y * CELL_W + x] = Math.min(1, area * PIXELS);
    }
  }
  return a;
}

/** A braille mask (our bit order, 2 × 4) as round dots centred in their sub-cells. */
function maskDots(mask: number, subX: number, subY: number): Float32Array {
  const a = new Float32Array(PIXELS);
  const w = CELL_W / subX;
  const h = CELL_H / subY;
  const r = DOT_RADIUS * w;
  for (let y = 0; y < CELL_H; y++) {
    for (let x = 0; x < CELL_W; x++) {
      let hits = 0;
      for (let sy = 0; sy < SUPER; sy++) {
        const py = y + (sy + 0.5) / SUPER;
        const row = Math.min(subY - 1, Math.floor(py / h));
        for (let sx = 0; sx < SUPER; sx++) {
          const px = x + (sx + 0.5) / SUPER;
          const col = Math.min(subX - 1, Math.floor(px / w));
          if (!(mask & (1 << (row * subX + col)))) continue;
          const dx = px - (col + 0.5) * w;
          const dy = py - (row + 0.5) * h;
          if (dx * dx + dy * dy <= r * r) hits++;
        }
      }
      a[y * CELL_W + x] = hits / (SUPER * SUPER);
    }
  }
  return a;
}

/** Block elements no style table lists: eighths, one-eighth edges, shades. */
function extraBlock(cp: number): Float32Array | null {
  const a = new Float32Array(PIXELS);
  if (cp >= 0x2581 && cp <= 0x2587) addRect(a, 0, CELL_H - ((cp - 0x2580) * CELL_H) / 8, CELL_W, CELL_H); // lower n/8
  else if (cp >= 0x2589 && cp <= 0x258f) addRect(a, 0, 0, ((8 - (cp - 0x2588)) * CELL_W) / 8, CELL_H); // left n/8
  else if (cp === 0x2594) addRect(a, 0, 0, CELL_W, CELL_H / 8); // upper 1/8
  else if (cp === 0x2595) addRect(a, (7 * CELL_W) / 8, 0, CELL_W, CELL_H); // right 1/8
  else if (cp >= 0x2591 && cp <= 0x2593) a.fill((cp - 0x2590) / 4); // ░ ▒ ▓ as 25/50/75% ink
  else return null;
  return a;
}

export interface GeometryEntry {
  style: CellStyle;
  /** The glyph's index in the style's table. */
  glyph: number;
}

/** Code point → the style and mask that draws it; blocks before dots, the first style listing it wins. */
export function geometryMap(): Map<number, GeometryEntry> {
  const map = new Map<number, GeometryEntry>();
  const styles = Object.values(CELL_STYLES).filter((s) => s.frames === 'fitted' && s.shape !== 'font');
  styles.sort((a, b) => (a.shape === b.shape ? 0 : a.shape === 'blocks' ? -1 : 1));
  for (const style of styles) {
    for (let g = 0; g < style.glyphs.length; g++) {
      const cp = style.glyphs[g]!;
      if (cp === 0 || cp === 0x20 || map.has(cp)) continue;
      map.set(cp, { style, glyph: g });
    }
  }
  return map;
}

/** Coverage masks of characters, geometric or rasterised; `prepare` before `alpha`. */
export class GlyphBook {
  private readonly geometry = geometryMap();
  private readonly cache = new Map<number, Float32Array>();
  private readonly blank = new Float32Array(PIXELS);
  /** Code points drawn from the font that are not printable ASCII (a peer's choice, worth naming). */
  readonly fontOther = new Set<number>();

  constructor(private readonly font = 'DejaVu Sans Mono') {}

  /** How `cp` is drawn: 'blocks', 'dots' or 'font'. */
  kind(cp: number): 'blocks' | 'dots' | 'font' {
    const g = this.geometry.get(cp);
    if (g) return g.style.shape === 'dots' ? 'dots' : 'blocks';
    return cp >= 0x2580 && cp <= 0x259f ? 'blocks' : 'font';
  }

  /** Rasterises every code point of `cps` not yet known that needs the font, in one librsvg call. */
  async prepare(cps: Iterable<number>): Promise<void> {
    const todo: number[] = [];
    for (const cp of new Set(cps)) {
      if (this.cache.has(cp) || cp <= 0x20) continue;
      const g = this.geometry.get(cp);
      if (g) {
        const { style, glyph } = g;
        this.cache.set(cp, style.shape === 'dots' ? maskDots(style.masks[glyph]!, style.subX, style.subY) : outlineBlocks(style.outlines[glyph]!));
        continue;
      }
      const block = extraBlock(cp);
      if (block) {
        this.cache.set(cp, block);
        continue;
      }
      todo.push(cp);
      if (cp > 0x7e) this.fontOther.add(cp);
    }
    if (todo.length > 0) {
      const masks = await rasterise(todo, this.font);
      todo.forEach((cp, i) => this.cache.set(cp, masks[i]!));
    }
  }

  /** Coverage of `cp` (CELL_W × CELL_H, row-major); a space or unknown character covers nothing. */
  alpha(cp: number): Float32Array {
    return this.cache.get(cp) ?? this.blank;
  }
}

const SCALE = 4;
/** scripts/ascii-coverage.mjs: DejaVu Sans Mono advances 0.602 em, so 8 px cells want 13.29 px; ascent 0.928 em, line 1.164 em. */
const FONT_PX = 13.29;
const BASELINE = 0.928 * FONT_PX + (CELL_H - 1.164 * FONT_PX) / 2;

async function rasterise(cps: readonly number[], font: string): Promise<Float32Array[]> {
  const esc = (c: string) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c;
  const w = CELL_W * SCALE;
  const h = CELL_H * SCALE;
  let texts = '';
  cps.forEach((cp, i) => {
    texts += `<text x="${i * w}" y="${BASELINE * SCALE}" font-family="${font}" font-size="${FONT_PX * SCALE}" fill="#fff" xml:space="preserve">${esc(String.fromCodePoint(cp))}</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${cps.length * w}" height="${h}"><rect width="100%" height="100%" fill="#000"/>${texts}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const stride = info.width * info.channels;
  return cps.map((_, i) => {
    const a = new Float32Array(PIXELS);
    for (let y = 0; y < CELL_H; y++) {
      for (let x = 0; x < CELL_W; x++) {
        let sum = 0;
        for (let dy = 0; dy < SCALE; dy++) {
          for (let dx = 0; dx < SCALE; dx++) sum += data[(y * SCALE + dy) * stride + (i * w + x * SCALE + dx) * info.channels]!;
        }
        a[y * CELL_W + x] = sum / (SCALE * SCALE * 255);
      }
    }
    return a;
  });
}
