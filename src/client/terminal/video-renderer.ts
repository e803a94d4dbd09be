/**
 * The video region of the terminal client, drawn with our own escape sequences: blessed reduces
 * every colour to 256 and diffs strings, too coarse and too slow for 24-bit video at 30 fps.
 *
 * The renderer keeps a model of what it last put on screen (character, foreground, background per
 * cell, as colour codes after reduction to the terminal's depth, see color-depth.ts) and writes
 * only the cells whose reduced state changed. Runs of unchanged cells are skipped with CUF or CUP,
 * whichever is shorter, or reprinted when that is shorter still (up to 3 one-byte cells wanted in
 * the colours in effect, to within the tolerance); an SGR is written only for a colour not
 * already in effect, and sets foreground and background in one sequence.
 *
 * Colour tolerance (truecolor only; `tolerance` T, see QUALITY_TOLERANCE): under a pan nearly every
 * cell's 24-bit colour moves a little each frame, so exact diffing rewrites almost every cell with
 * an ~18-byte SGR. With T > 0 a colour counts as unchanged when each channel is within T of the
 * one it is compared with, in two places:
 * - temporal: a cell with the same character whose colours are within T of the model is skipped;
 * - spatial: a cell being written whose colour is within T of the SGR colour in effect reuses it,
 *   and a new SGR takes not the cell's exact colour but the midrange of the longest run of cells
 *   to be written next that one colour can serve (`runColor`), so one SGR covers the whole run.
 * The model always records the colour actually written, never the wanted one, so every on-screen
 * channel stays within T of the latest frame: a slowly drifting cell is rewritten as soon as it
 * leaves the band, and error never accumulates. Characters are exact, except that in fitted styles
 * a cell whose on-screen glyph and colours draw, at every sample of the cell, a colour within T of
 * what the new glyph and colours would draw is left as it is: under a pan a cell's glyph often
 * flips between two drawings of nearly the same picture (a near-flat cell, an edge that moved a
 * sample), and rewriting those costs a glyph and two SGRs for no visible change. At 256, 16 and
 * mono the colour codes are palette indices, compared exactly (the reduction already quantises).
 *
 * Each non-empty frame is one byte string for one write():
 *   [ESC[?2026h]  ESC 7  ESC(B  ESC[0m  …cells…  ESC 8  [ESC[?2026l]
 * DECSC/DECRC (ESC 7 / ESC 8) leave the cursor, SGR and charset as blessed left them, so blessed's
 * own cursor tracking stays right; ESC(B undoes a line-drawing G0 blessed might have left selected;
 * ESC[0m makes the SGR state known. Nothing ever prints past the region's last column and no
 * newline is ever written, so nothing wraps or scrolls: a character in the bottom-right cell of the
 * screen leaves only a pending wrap, which the next CUP or the DECRC cancels.
 *
 * Frames are drawn from the region's top-left; the part of a frame outside the region is cut off
 * and the part of the region outside the frame is cleared (black spaces; default-colour spaces for
 * mono and text frames), which the model makes a one-time cost.
 *
 * Call `invalidate` whenever something else drew over the region (blessed repainted, the terminal
 * resized): the next frame is then a full draw.
 *
 * The returned bytes are a view into one reused buffer. A Node stream that queues a write keeps
 * that view, not a copy, so render the next frame only once the previous write has completed
 * (dropping frames meanwhile: coalesce to the latest), or copy the view.
 */
import { CELL_STYLES, coverageByCodePoint, luma601, type CellStyle } from '../../../protocol/index.js';
import type { ReceivedFrame } from '../common/stream-client.js';
import { COLOR_DEFAULT, reduceColor, type ColorDepth } from './color-depth.js';
import { EscapeWriter, KEEP, cufBytes, cupBytes, sequence } from './escape-writer.js';

export { detectColorDepth, type ColorDepth } from './color-depth.js';

export interface VideoRendererOptions {
  depth: ColorDepth;
  /** Wrap each frame in synchronized output (DEC mode 2026), so the terminal never shows half a frame. */
  syncOutput: boolean;
  /**
   * Benchmark baseline only: every frame redraws every cell with its own SGR (fg and bg), a CUP per
   * row, no diffing. Mono cells still get no colour codes.
   */
  fullRedraw?: boolean;
  /**
   * Largest difference per RGB channel (0…255) accepted between the colour a cell should have and
   * the one it shows, in truecolor; default 0 (exact). See QUALITY_TOLERANCE.
   */
  tolerance?: number;
  /**
   * Each render returns the whole frame as lines of text for a stream (a pipe, a file, the
   * scrollback: `ascii360 print`), not the changes for a screen: per row its SGRs and characters,
   * then ESC[0m and a newline (mono: the newline alone, plain text); no cursor moves, no
   * synchronized output, nothing kept between frames.
   */
  lines?: boolean;
}

/**
 * Named tolerances, after ASCILINE's quality levels: the largest per-channel colour error each
 * accepts. On the bench's 160×45 pan at 0.5°/frame (bench/terminal-bytes.ts) truecolor ascii costs
 * about 130 / 76 / 47 / 18 KiB per frame at these levels, with a mean on-screen error of
 * 0 / 0.7 / 1.9 / 3.4 per channel (blocks: 255 / 157 / 97 / 29 KiB); a static view costs nothing
 * at any of them. 'balanced' is the best quality within a 60 KiB/frame pan budget.
 */
export const QUALITY_TOLERANCE = { lossless: 0, high: 4, balanced: 8, low: 16 } as const;
export type Quality = keyof typeof QUALITY_TOLERANCE;

/** Model value for "not known": matches no character and no colour code. */
const UNKNOWN = -1;
const SPACE = 0x20;
const QUESTION = 0x3f;
/** '▀': foreground paints the top pixel, background the bottom one. */
const UPPER_HALF = 0x2580;
/** Mono blocks: cell luma 0…255 → one of " ░▒▓█" (index luma·5 >> 8). */
const SHADES = Uint32Array.of(0x20, 0x2591, 0x2592, 0x2593, 0x2588);

/**
 * Worst case per cell: CUP with 5-digit row and column (14) + one SGR with two truecolor
 * colours (36) + a 4-byte character = 54; rounded up.
 */
const BYTES_PER_CELL = 64;
const SYNC_BEGIN = sequence('\x1b[?2026h');
const SYNC_END = sequence('\x1b[?2026l');
const FRAME_BEGIN = sequence('\x1b7\x1b(B\x1b[0m');
const FRAME_END = sequence('\x1b8');
const FRAME_OVERHEAD = SYNC_BEGIN.length + SYNC_END.length + FRAME_BEGIN.length + FRAME_END.length;
/** A line's end in `lines` output: the colours back to the default (a shell prompt after it stays clean), then the newline. */
const LINE_END = sequence('\x1b[0m\n');
/** Mono sets no colour: its lines are plain text. */
const PLAIN_LINE_END = sequence('\n');
/** Largest region side; keeps CUP arguments within the 5 digits BYTES_PER_CELL allows for. */
const MAX_SIDE = 65535;
const EMPTY = new Uint8Array(0);

export class VideoRenderer {
  private depth: ColorDepth;
  private readonly syncOutput: boolean;
  private readonly fullRedraw: boolean;
  private readonly lines: boolean;
  private tolerance = 0;
  private readonly out = new EscapeWriter();

  private top = 0;
  private left = 0;
  private cols = 0;
  private rows = 0;
  /** Background of the region outside a frame and behind ascii cells, as a colour code. */
  private black: number;

  // What is on screen, per region cell, row-major: code point and colour codes (UNKNOWN: not known).
  private chars = new Int32Array(0);
  private fgs = new Int32Array(0);
  private bgs = new Int32Array(0);
  // What this frame wants there; filled by the render* methods, then diffed by `emit`.
  private wantChars = new Int32Array(0);
  private wantFgs = new Int32Array(0);
  private wantBgs = new Int32Array(0);
  /** Per region cell, for the frame being emitted: 1 where the cell need not be written (`unchanged`). */
  private skip = new Uint8Array(0);
  /** Fitted frames: each glyph's coverage of the style's samples by code point, for the picture comparison; null otherwise. */
  private shapes: Map<number, Float64Array> | null = null;
  private fittedShapes: Map<number, Float64Array> | null = null;
  private shapesOf: CellStyle | null = null;

  constructor(opts: VideoRendererOptions) {
    this.depth = opts.depth;
    this.syncOutput = opts.syncOutput;
    this.fullRedraw = opts.fullRedraw ?? false;
    this.lines = opts.lines ?? false;
    this.black = reduceColor(this.depth, 0, 0, 0);
    this.setTolerance(opts.tolerance ?? 0);
  }

  /**
   * Sets the per-channel colour tolerance (whole number 0…255; truecolor only). No redraw is
   * needed: the model holds what is on screen, so cells now outside the band are rewritten by the
   * next frame and cells inside it stay.
   */
  setTolerance(tolerance: number): void {
    if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 255) {
      throw new RangeError(`setTolerance: tolerance must be a whole number in 0…255, got ${tolerance}`);
    }
    this.tolerance = tolerance;
  }

  /** Changes the colour depth; the next frame is a full draw. */
  setDepth(depth: ColorDepth): void {
    this.depth = depth;
    this.black = reduceColor(depth, 0, 0, 0);
    this.invalidate();
  }

  /**
   * The screen region the video occupies: 0-based top-left, size in terminal cells. It must lie
   * within the screen. Invalidates. Allocates the model (and grows the output buffer when needed):
   * this runs per resize, not per frame.
   */
  setRegion(top: number, left: number, cols: number, rows: number): void {
    for (const [name, v] of [['top', top], ['left', left], ['cols', cols], ['rows', rows]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > MAX_SIDE) {
        throw new RangeError(`setRegion: ${name} must be a whole number in 0…${MAX_SIDE}, got ${v}`);
      }
    }
    this.top = top;
    this.left = left;
    if (cols !== this.cols || rows !== this.rows) {
      this.cols = cols;
      this.rows = rows;
      const cells = cols * rows;
      this.chars = new Int32Array(cells);
      this.fgs = new Int32Array(cells);
      this.bgs = new Int32Array(cells);
      this.wantChars = new Int32Array(cells);
      this.wantFgs = new Int32Array(cells);
      this.wantBgs = new Int32Array(cells);
      this.skip = new Uint8Array(cells);
      this.out.reserve(cells * BYTES_PER_CELL + Math.max(FRAME_OVERHEAD, rows * LINE_END.length));
    }
    this.invalidate();
  }

  /** Forgets what is on screen: the next frame rewrites every cell of the region. */
  invalidate(): void {
    this.chars.fill(UNKNOWN);
    this.fgs.fill(UNKNOWN);
    this.bgs.fill(UNKNOWN);
  }

  /**
   * Ascii style: `cells` holds cols·rows cells of 4 bytes [char, R, G, B], row-major (the binary
   * cell frame's payload). Coloured character on black. Characters outside printable ASCII are
   * drawn as '?', so a frame can never smuggle in an escape sequence.
   * Returns the bytes for one write(): a view into a reused buffer, valid until the next render
   * call, and empty when nothing on screen changes.
   */
  renderCells(cells: Uint8Array, cols: number, rows: number): Uint8Array {
    checkFrame('renderCells', cells.length, cols, rows, 4);
    this.shapes = null;
    const rc = this.cols;
    const w = Math.min(cols, rc);
    const h = Math.min(rows, this.rows);
    const depth = this.depth;
    const black = this.black;
    const wantChars = this.wantChars;
    const wantFgs = this.wantFgs;
    const wantBgs = this.wantBgs;
    for (let y = 0; y < h; y++) {
      let i = y * rc;
      let s = y * cols * 4;
      for (let x = 0; x < w; x++, i++, s += 4) {
        const ch = cells[s]!;
        wantChars[i] = ch >= 0x20 && ch < 0x7f ? ch : QUESTION;
        wantFgs[i] = reduceColor(depth, cells[s + 1]!, cells[s + 2]!, cells[s + 3]!);
        wantBgs[i] = black;
      }
    }
    this.blankOutside(w, h, black);
    return this.emit();
  }

  /**
   * Mode-1 text frames (decodeTextFrame's lines): characters in the terminal's default colours, no
   * colour codes at any depth, as the viewer chose monochrome. Non-ASCII characters draw as '?'.
   * The frame is as wide as its longest line; short lines are padded with spaces.
   * Same return contract as `renderCells`.
   */
  renderText(lines: readonly string[]): Uint8Array {
    this.shapes = null;
    const rc = this.cols;
    const h = Math.min(lines.length, this.rows);
    let width = 0;
    for (let y = 0; y < h; y++) width = Math.max(width, lines[y]!.length);
    const w = Math.min(width, rc);
    const wantChars = this.wantChars;
    const wantFgs = this.wantFgs;
    const wantBgs = this.wantBgs;
    for (let y = 0; y < h; y++) {
      const line = lines[y]!;
      for (let x = 0, i = y * rc; x < w; x++, i++) {
        const ch = x < line.length ? line.charCodeAt(x) : SPACE;
        wantChars[i] = ch >= 0x20 && ch < 0x7f ? ch : QUESTION;
        wantFgs[i] = COLOR_DEFAULT;
        wantBgs[i] = COLOR_DEFAULT;
      }
    }
    this.blankOutside(w, h, COLOR_DEFAULT);
    return this.emit();
  }

  /**
   * Blocks style: `bgr` holds cols × pixelRows pixels of 3 bytes B, G, R, row-major (the pixel
   * frame's payload). Terminal row y shows pixel rows 2y and 2y+1 as '▀' with foreground = top
   * pixel and background = bottom pixel; an odd last pixel row gets a black bottom half.
   * Mono: one of " ░▒▓█" by the BT.601 luma of the two pixels' mean, in default colours.
   * Same return contract as `renderCells`.
   */
  renderPixels(bgr: Uint8Array, cols: number, pixelRows: number): Uint8Array {
    checkFrame('renderPixels', bgr.length, cols, pixelRows, 3);
    this.shapes = null;
    const rc = this.cols;
    const w = Math.min(cols, rc);
    const h = Math.min((pixelRows + 1) >> 1, this.rows);
    const depth = this.depth;
    const mono = depth === 'mono';
    const black = this.black;
    const wantChars = this.wantChars;
    const wantFgs = this.wantFgs;
    const wantBgs = this.wantBgs;
    const stride = cols * 3;
    for (let y = 0; y < h; y++) {
      const hasBottom = 2 * y + 1 < pixelRows;
      let t = 2 * y * stride;
      for (let x = 0, i = y * rc; x < w; x++, i++, t += 3) {
        const b = t + stride;
        const tb = bgr[t]!, tg = bgr[t + 1]!, tr = bgr[t + 2]!;
        const bb = hasBottom ? bgr[b]! : 0;
        const bg = hasBottom ? bgr[b + 1]! : 0;
        const br = hasBottom ? bgr[b + 2]! : 0;
        if (mono) {
          const luma = (luma601(tr, tg, tb) + luma601(br, bg, bb) + 1) >> 1;
          wantChars[i] = SHADES[(luma * 5) >> 8]!;
          wantFgs[i] = COLOR_DEFAULT;
          wantBgs[i] = COLOR_DEFAULT;
        } else {
          wantChars[i] = UPPER_HALF;
          wantFgs[i] = reduceColor(depth, tr, tg, tb);
          wantBgs[i] = reduceColor(depth, br, bg, bb);
        }
      }
    }
    this.blankOutside(w, h, black);
    return this.emit();
  }

  /**
   * Fitted styles (quadrant, sextant, octant, braille, ascii): `cells` holds cols·rows cells of 7
   * bytes [glyph, fg R, G, B, bg R, G, B] (the fitted frame's payload, PROTOCOL-NOTES.md §3.6);
   * each draws `style.glyphs[glyph]` in the foreground on the background. A glyph index the table
   * does not list draws as a space, so a frame can never smuggle in a control character. Colours
   * from a palette fit (§8.3) reduce to their own palette index exactly.
   * Mono: the glyph in default colours (the client asks for mode 1 text instead; this is the fallback).
   * Same return contract as `renderCells`.
   */
  renderFitted(cells: Uint8Array, cols: number, rows: number, style: CellStyle): Uint8Array {
    checkFrame('renderFitted', cells.length, cols, rows, 7);
    if (this.shapesOf !== style) {
      this.shapesOf = style;
      this.fittedShapes = coverageByCodePoint(style);
    }
    this.shapes = this.fittedShapes;
    const rc = this.cols;
    const w = Math.min(cols, rc);
    const h = Math.min(rows, this.rows);
    const depth = this.depth;
    const mono = depth === 'mono';
    const glyphs = style.glyphs;
    const wantChars = this.wantChars;
    const wantFgs = this.wantFgs;
    const wantBgs = this.wantBgs;
    for (let y = 0; y < h; y++) {
      let i = y * rc;
      let s = y * cols * 7;
      for (let x = 0; x < w; x++, i++, s += 7) {
        const cp = glyphs[cells[s]!] ?? 0;
        wantChars[i] = cp >= 0x20 ? cp : SPACE;
        if (mono) {
          wantFgs[i] = COLOR_DEFAULT;
          wantBgs[i] = COLOR_DEFAULT;
        } else {
          wantFgs[i] = reduceColor(depth, cells[s + 1]!, cells[s + 2]!, cells[s + 3]!);
          wantBgs[i] = reduceColor(depth, cells[s + 4]!, cells[s + 5]!, cells[s + 6]!);
        }
      }
    }
    this.blankOutside(w, h, this.black);
    return this.emit();
  }

  /** Any frame a stream client gives (stream-client.ts), by its kind; same return contract as `renderCells`. */
  renderFrame(frame: ReceivedFrame): Uint8Array {
    switch (frame.kind) {
      case 'cells':
        return this.renderCells(frame.cells, frame.cols, frame.rows);
      case 'pixels':
        return this.renderPixels(frame.bgr, frame.cols, frame.rows);
      case 'fitted':
        return this.renderFitted(frame.cells, frame.cols, frame.rows, CELL_STYLES[frame.style]);
      case 'text':
        return this.renderText(frame.lines);
    }
  }

  /** Wants spaces on `background` in the region cells outside the frame's w × h top-left part. */
  private blankOutside(w: number, h: number, background: number): void {
    const rc = this.cols;
    for (let y = 0; y < this.rows; y++) {
      for (let x = y < h ? w : 0, i = y * rc + x; x < rc; x++, i++) {
        this.wantChars[i] = SPACE;
        this.wantFgs[i] = background; // a space shows no foreground; any value will do
        this.wantBgs[i] = background;
      }
    }
  }

  /**
   * True when region cell i need not be written: same character, colours within `tol` of the
   * model. A space shows only its background, so a changed foreground behind it is no change.
   */
  private unchanged(i: number, tol: number): boolean {
    const ch = this.wantChars[i]!;
    if (ch !== this.chars[i]) return tol > 0 && this.shapes !== null && this.samePicture(i, tol);
    return near(this.wantBgs[i]!, this.bgs[i]!, tol) && (ch === SPACE || near(this.wantFgs[i]!, this.fgs[i]!, tol));
  }

  /**
   * Fitted styles: whether region cell i's on-screen glyph and colours draw, at every sample of the
   * cell, each channel within `tol` of what the wanted glyph and colours draw there (a sample a glyph
   * covers by a share w shows w·fg + (1 − w)·bg).
   */
  private samePicture(i: number, tol: number): boolean {
    const was = this.shapes!.get(this.chars[i]!);
    const now = this.shapes!.get(this.wantChars[i]!);
    const fo = this.fgs[i]!, bo = this.bgs[i]!, fn = this.wantFgs[i]!, bn = this.wantBgs[i]!;
    if (!was || !now || fo < 0 || bo < 0 || fn < 0 || bn < 0) return false;
    for (let shift = 16; shift >= 0; shift -= 8) {
      const a = (fo >> shift) & 0xff, b = (bo >> shift) & 0xff, c = (fn >> shift) & 0xff, d = (bn >> shift) & 0xff;
      for (let t = 0; t < was.length; t++) {
        const u = was[t]!, v = now[t]!;
        const diff = u * a + (1 - u) * b - (v * c + (1 - v) * d);
        if (diff > tol || diff < -tol) return false;
      }
    }
    return true;
  }

  /**
   * The colour for a new SGR at cell `from`, whose wanted colour (in `wants`) is not within `tol`
   * of the one in effect. Exact at tol 0. Otherwise the cells `emit` will write next, in its order
   * (skipping unchanged cells, and spaces for a foreground), are taken while their wanted colours
   * span at most 2·tol per channel, and the midrange of that run is returned: within tol of every
   * one of them, so the whole run is written under this one SGR. Extending each run as far as it
   * goes (greedy interval stabbing) gives the fewest SGRs; starting from the first cell's exact
   * colour instead ends a smooth gradient's run after tol steps rather than 2·tol.
   * Cost: the cells of the run plus one, and runs do not overlap, so O(cells) per frame.
   */
  private runColor(from: number, wants: Int32Array, fg: boolean, tol: number): number {
    const want = wants[from]!;
    if (tol === 0 || want < 0) return want;
    let rMin = want >> 16;
    let rMax = rMin;
    let gMin = (want >> 8) & 0xff;
    let gMax = gMin;
    let bMin = want & 0xff;
    let bMax = bMin;
    const span = 2 * tol;
    const cells = this.cols * this.rows;
    for (let j = from + 1; j < cells; j++) {
      if ((fg && this.wantChars[j] === SPACE) || this.skip[j] === 1) continue;
      const w = wants[j]!;
      if (w < 0) break;
      const r = w >> 16;
      const g = (w >> 8) & 0xff;
      const b = w & 0xff;
      const nrMin = r < rMin ? r : rMin;
      const nrMax = r > rMax ? r : rMax;
      const ngMin = g < gMin ? g : gMin;
      const ngMax = g > gMax ? g : gMax;
      const nbMin = b < bMin ? b : bMin;
      const nbMax = b > bMax ? b : bMax;
      if (nrMax - nrMin > span || ngMax - ngMin > span || nbMax - nbMin > span) break;
      rMin = nrMin;
      rMax = nrMax;
      gMin = ngMin;
      gMax = ngMax;
      bMin = nbMin;
      bMax = nbMax;
    }
    // max − ⌊(min+max)/2⌋ ≤ ⌈span/2⌉ = tol, and likewise below: within tol of every cell taken.
    return (((rMin + rMax) >> 1) << 16) | (((gMin + gMax) >> 1) << 8) | ((bMin + bMax) >> 1);
  }

  /** Diffs the wanted cells against the model, writes the changes and updates the model. */
  private emit(): Uint8Array {
    if (this.lines) return this.emitLines();
    const out = this.out;
    out.pos = 0;
    const depth = this.depth;
    const full = this.fullRedraw;
    // Palette indices (256, 16) and COLOR_DEFAULT have no channels to be near in: exact only.
    const tol = depth === 'truecolor' && !full ? this.tolerance : 0;
    const rc = this.cols;
    const rr = this.rows;
    const { chars, fgs, bgs, wantChars, wantFgs, wantBgs, skip } = this;
    // Decided once per cell before anything is written: runColor looks ahead at the same answers.
    for (let i = 0, n = rc * rr; i < n; i++) skip[i] = !full && this.unchanged(i, tol) ? 1 : 0;
    let started = false;
    let curFg = UNKNOWN;
    let curBg = UNKNOWN;
    // Cursor, in region coordinates; curRow -1 when not known (before the first CUP, after the
    // region's last column, where a terminal at its right edge holds a pending wrap instead).
    let curRow = -1;
    let curCol = 0;

    for (let y = 0, i = 0; y < rr; y++) {
      for (let x = 0; x < rc; x++, i++) {
        const ch = wantChars[i]!;
        const fg = wantFgs[i]!;
        const bg = wantBgs[i]!;
        if (skip[i] === 1) continue;

        if (!started) {
          started = true;
          if (this.syncOutput) out.bytes(SYNC_BEGIN);
          out.bytes(FRAME_BEGIN);
          curFg = COLOR_DEFAULT;
          curBg = COLOR_DEFAULT;
        }

        if (curRow !== y) {
          out.cup(this.top + y + 1, this.left + x + 1);
          curRow = y;
        } else if (x > curCol) {
          const gap = x - curCol;
          if (gap <= 3 && reprintable(chars, wantChars, wantFgs, wantBgs, i - gap, i, curFg, curBg, tol)) {
            // Cheaper than any move (a move is at least 3 bytes): one byte per skipped cell.
            for (let j = i - gap; j < i; j++) {
              out.byte(chars[j]!);
              fgs[j] = curFg;
              bgs[j] = curBg;
            }
          } else if (cufBytes(gap) <= cupBytes(this.top + y + 1, this.left + x + 1)) {
            out.cuf(gap);
          } else {
            out.cup(this.top + y + 1, this.left + x + 1);
          }
        }

        let setFg = KEEP;
        let setBg = KEEP;
        if (full && (fg !== COLOR_DEFAULT || bg !== COLOR_DEFAULT)) {
          setFg = fg;
          setBg = bg;
        } else {
          // Within the tolerance the colour in effect will do; the model records it, not fg/bg.
          if (ch !== SPACE && !near(fg, curFg, tol)) setFg = this.runColor(i, wantFgs, true, tol);
          if (!near(bg, curBg, tol)) setBg = this.runColor(i, wantBgs, false, tol);
        }
        if (setFg !== KEEP || setBg !== KEEP) {
          out.sgr(depth, setFg, setBg);
          if (setFg !== KEEP) curFg = setFg;
          if (setBg !== KEEP) curBg = setBg;
        }

        out.char(ch);
        chars[i] = ch;
        fgs[i] = curFg;
        bgs[i] = curBg;
        curCol = x + 1;
        if (curCol >= rc) curRow = -1;
      }
    }

    if (!started) return EMPTY;
    out.bytes(FRAME_END);
    if (this.syncOutput) out.bytes(SYNC_END);
    return out.buf.subarray(0, out.pos);
  }

  /** The wanted cells as lines (`lines`): each row from the default colours, an SGR only where a colour changes. */
  private emitLines(): Uint8Array {
    const out = this.out;
    out.pos = 0;
    const depth = this.depth;
    const { wantChars, wantFgs, wantBgs } = this;
    for (let y = 0, i = 0; y < this.rows; y++) {
      let curFg = COLOR_DEFAULT;
      let curBg = COLOR_DEFAULT;
      for (let x = 0; x < this.cols; x++, i++) {
        const ch = wantChars[i]!;
        // A space shows only its background: its foreground stays whatever is in effect.
        const setFg = ch !== SPACE && wantFgs[i] !== curFg ? wantFgs[i]! : KEEP;
        const setBg = wantBgs[i] !== curBg ? wantBgs[i]! : KEEP;
        if (setFg !== KEEP || setBg !== KEEP) {
          out.sgr(depth, setFg, setBg);
          if (setFg !== KEEP) curFg = setFg;
          if (setBg !== KEEP) curBg = setBg;
        }
        out.char(ch);
      }
      out.bytes(depth === 'mono' ? PLAIN_LINE_END : LINE_END);
    }
    return out.buf.subarray(0, out.pos);
  }
}

/**
 * True when the skipped cells [from, to) can be printed again in the colours in effect: known
 * one-byte characters (skipped, so already the wanted ones) whose wanted colours are within `tol`
 * of those in effect (a space needs only the background). Compared with the wanted colours, not
 * the on-screen ones, so a reprinted cell stays within the tolerance of the frame.
 */
function reprintable(
  chars: Int32Array,
  wantChars: Int32Array,
  wantFgs: Int32Array,
  wantBgs: Int32Array,
  from: number,
  to: number,
  curFg: number,
  curBg: number,
  tol: number,
): boolean {
  for (let j = from; j < to; j++) {
    const c = chars[j]!;
    // A cell kept for drawing the same picture with another glyph is not reprinted in other colours.
    if (c !== wantChars[j] || c < 0x20 || c >= 0x7f || !near(wantBgs[j]!, curBg, tol)) return false;
    if (c !== SPACE && !near(wantFgs[j]!, curFg, tol)) return false;
  }
  return true;
}

/**
 * True when colour codes a and b are equal, or are both truecolor 0xRRGGBB with every channel
 * within `tol`. UNKNOWN (-1) and COLOR_DEFAULT (-2) are negative: equal or not near.
 */
function near(a: number, b: number, tol: number): boolean {
  if (a === b) return true;
  if (tol === 0 || a < 0 || b < 0) return false;
  const dr = (a >> 16) - (b >> 16);
  const dg = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
  const db = (a & 0xff) - (b & 0xff);
  return dr <= tol && dr >= -tol && dg <= tol && dg >= -tol && db <= tol && db >= -tol;
}

function checkFrame(fn: string, length: number, cols: number, rows: number, bytesPer: number): void {
  if (!Number.isInteger(cols) || cols < 0 || !Number.isInteger(rows) || rows < 0) {
    throw new RangeError(`${fn}: frame size must be whole non-negative cols × rows, got ${cols} × ${rows}`);
  }
  if (length < cols * rows * bytesPer) {
    throw new RangeError(`${fn}: ${length} bytes hold fewer than ${cols} × ${rows} × ${bytesPer}`);
  }
}
