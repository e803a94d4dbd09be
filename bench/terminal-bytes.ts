/**
 * Bytes per frame the terminal client writes, for bench/run.ts.
 *
 * A synthetic 2048×1024 equirectangular texture (smooth gradients, blocky mid-scale structure,
 * fine ripples) goes through the server's real pipeline, EQUIRECT_TO_FLAT + sampleCells + writeCells
 * (mode 5, full colour), and the cells into VideoRenderer:
 * - static: the same view every frame (what a paused or still video costs);
 * - pan: yaw advancing 0.5° per frame at a 90° field of view, a slow steady turn;
 * - naive: the pan drawn as a full redraw, every cell with its own SGR (the baseline);
 * plus the same pan at 256 colours, in blocks style (half-block pixels, truecolor) and in the default fitted
 * style (mosaic: what the terminal client draws by default where sextants draw, through
 * CellFitter and renderFitted, at each tolerance, DEFAULT_TOLERANCE the client's default), and the
 * truecolor pans again at each colour tolerance of QUALITY_TOLERANCE, with the colour error they
 * cost: every frame's bytes are replayed into a small screen model here (not the renderer's own)
 * and compared with the frame, so the trade-off is bytes against measured error.
 * Figures are medians over the frames after the first (the first is always a full draw).
 */
import { CELL_STYLES, coverageByCodePoint, frameShape } from '../protocol/index.js';
import type { StyleName } from '../protocol/index.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import { writeCells, writePixels } from '../src/quantise/quantise.js';
import { QUALITY_TOLERANCE, VideoRenderer, type ColorDepth } from '../src/client/terminal/video-renderer.js';
import { DEFAULT_FRAME_BUDGET_KIB, ToleranceGovernor } from '../src/client/terminal/tolerance-governor.js';

/** The fitted style measured: the terminal client's default where sextants draw. */
const FITTED_STYLE: StyleName = 'mosaic';

export interface TerminalBytesOptions {
  /** Frames per scenario, the first (full draw) included. */
  frames?: number;
  cols?: number;
  rows?: number;
}

export interface TerminalBytesResult {
  cols: number;
  rows: number;
  frames: number;
  /** Median bytes per frame, same view every frame, truecolor ascii. */
  staticBytes: number;
  /** Median bytes per frame, 0.5°/frame yaw pan, truecolor ascii, diffing renderer. */
  panBytes: number;
  /** Median bytes per frame of the same pan as a naive full redraw. */
  naiveBytes: number;
  /** The pan at 256 colours. */
  pan256Bytes: number;
  /** The pan in blocks style (cols × 2·rows pixels), truecolor. */
  blocksPanBytes: number;
  /** Median milliseconds VideoRenderer.renderCells takes per pan frame. */
  panRenderMs: number;
  /** The truecolor pans at each tolerance of QUALITY_TOLERANCE, in its order (0 first). */
  tolerance: ToleranceResult[];
  /** The pan in the default fitted style (renderFitted), truecolor, at each tolerance of QUALITY_TOLERANCE. */
  fitted: { tolerance: number; bytes: number; meanError: number; maxError: number; renderMs: number }[];
  /** The same pan as the client draws it by default: tolerance 8 within the frame budget (tolerance-governor.ts); `tolerance` its median. */
  fittedClient: { tolerance: number; bytes: number; meanError: number; maxError: number; renderMs: number };
}

/** The terminal client's default colour tolerance (`--tolerance 8`, QUALITY_TOLERANCE.balanced). */
const DEFAULT_TOLERANCE = QUALITY_TOLERANCE.balanced;

export interface ToleranceResult {
  /** Largest per-channel error the renderer was allowed. */
  tolerance: number;
  /** Median bytes per frame, ascii pan (panBytes at tolerance 0). */
  asciiBytes: number;
  /** Mean absolute channel error on screen over all frames after the first, ascii (spaces' fg not counted). */
  asciiMeanError: number;
  /** Largest channel error seen on screen, ascii; never above `tolerance`. */
  asciiMaxError: number;
  /** Median milliseconds per ascii pan frame. */
  asciiRenderMs: number;
  /** The same for the blocks pan (both halves of every cell counted). */
  blocksBytes: number;
  blocksMeanError: number;
  blocksMaxError: number;
}

const SRC_W = 2048;
const SRC_H = 1024;
const FOV = 90;
const YAW_STEP = 0.5;
/** Character cell width / height of a typical terminal font. */
const CELL_ASPECT = 0.5;

export async function measureTerminalBytes(opts: TerminalBytesOptions = {}): Promise<TerminalBytesResult> {
  const cols = opts.cols ?? 160;
  const rows = opts.rows ?? 45;
  const frames = Math.max(2, opts.frames ?? 60);
  const texture = syntheticEquirect(SRC_W, SRC_H);
  const projection = EQUIRECT_TO_FLAT;

  // Frames first, so the renderers are timed on their own.
  const cellFrames: Uint8Array[] = [];
  const pixelFrames: Uint8Array[] = [];
  const fittedFrames: Uint8Array[] = [];
  const fittedShape = frameShape({ cols, rows, aspect: CELL_ASPECT, mode: 5, style: FITTED_STYLE, codec: 'raw' });
  const fitter = new CellFitter(CELL_STYLES[FITTED_STYLE]);
  const fittedRgb = new Uint8Array(fittedShape.sampleCols * fittedShape.sampleRows * 3);
  const rgb = new Uint8Array(cols * rows * 2 * 3);
  for (let f = 0; f < frames; f++) {
    const view = { yaw: 20 + f * YAW_STEP, pitch: 5, roll: 0, fov: FOV };
    const cellTable = projection.buildTable(view, { cols, rows, aspect: CELL_ASPECT }, SRC_W, SRC_H);
    sampleCells(cellTable, texture, rgb);
    const cells = new Uint8Array(cols * rows * 4);
    writeCells(rgb, cols * rows, 5, cells, 0);
    cellFrames.push(cells);
    const pixelTable = projection.buildTable(view, { cols, rows: rows * 2, aspect: CELL_ASPECT * 2 }, SRC_W, SRC_H);
    sampleCells(pixelTable, texture, rgb);
    const pixels = new Uint8Array(cols * rows * 2 * 3);
    writePixels(rgb, cols * rows * 2, 5, pixels, 0);
    pixelFrames.push(pixels);
    const fittedTable = projection.buildTable(view, { cols: fittedShape.sampleCols, rows: fittedShape.sampleRows, aspect: fittedShape.sampleAspect }, SRC_W, SRC_H);
    sampleCells(fittedTable, texture, fittedRgb);
    const fitted = new Uint8Array(cols * rows * 7);
    fitter.fit(fittedRgb, cols, rows, 5, fitted, 0);
    fittedFrames.push(fitted);
  }

  const renderer = (depth: ColorDepth, fullRedraw = false, tolerance = 0) => {
    const r = new VideoRenderer({ depth, syncOutput: true, fullRedraw, tolerance });
    r.setRegion(0, 0, cols, rows);
    return r;
  };
  const run = (r: VideoRenderer, pick: (f: number) => Uint8Array, pixel: boolean, times?: number[]) => {
    const sizes: number[] = [];
    for (let f = 0; f < frames; f++) {
      const start = performance.now();
      const out = pixel ? r.renderPixels(pick(f), cols, rows * 2) : r.renderCells(pick(f), cols, rows);
      if (f > 0) {
        times?.push(performance.now() - start);
        sizes.push(out.length);
      }
    }
    return median(sizes);
  };

  const tolerance: ToleranceResult[] = [];
  for (const t of Object.values(QUALITY_TOLERANCE)) {
    const ascii = runWithError(renderer('truecolor', false, t), cellFrames, 'cells', cols, rows);
    const blocks = runWithError(renderer('truecolor', false, t), pixelFrames, 'pixels', cols, rows);
    tolerance.push({
      tolerance: t,
      asciiBytes: ascii.bytes,
      asciiMeanError: ascii.meanError,
      asciiMaxError: ascii.maxError,
      asciiRenderMs: ascii.renderMs,
      blocksBytes: blocks.bytes,
      blocksMeanError: blocks.meanError,
      blocksMaxError: blocks.maxError,
    });
  }

  const times: number[] = [];
  const first = cellFrames[0]!;
  return {
    cols,
    rows,
    frames,
    staticBytes: run(renderer('truecolor'), () => first, false),
    panBytes: run(renderer('truecolor'), (f) => cellFrames[f]!, false, times),
    naiveBytes: run(renderer('truecolor', true), (f) => cellFrames[f]!, false),
    pan256Bytes: run(renderer('256'), (f) => cellFrames[f]!, false),
    blocksPanBytes: run(renderer('truecolor'), (f) => pixelFrames[f]!, true),
    panRenderMs: median(times),
    tolerance,
    fitted: Object.values(QUALITY_TOLERANCE).map((t) => {
      const r = runWithError(renderer('truecolor', false, t), fittedFrames, 'fitted', cols, rows);
      return { tolerance: t, bytes: r.bytes, meanError: r.meanError, maxError: r.maxError, renderMs: r.renderMs };
    }),
    fittedClient: (() => {
      const governor = new ToleranceGovernor(DEFAULT_TOLERANCE, DEFAULT_FRAME_BUDGET_KIB * 1024);
      const r = runWithError(renderer('truecolor', false, DEFAULT_TOLERANCE), fittedFrames, 'fitted', cols, rows, governor);
      return { tolerance: r.tolerance, bytes: r.bytes, meanError: r.meanError, maxError: r.maxError, renderMs: r.renderMs };
    })(),
  };
}

/** Renders every frame at 0,0, replays the bytes into a ScreenModel and measures the colour error. */
function runWithError(r: VideoRenderer, frames: Uint8Array[], kind: 'cells' | 'pixels' | 'fitted', cols: number, rows: number, governor?: ToleranceGovernor) {
  const pixel = kind === 'pixels';
  const fitted = CELL_STYLES[FITTED_STYLE];
  const glyphs = fitted.glyphs;
  const shapes = coverageByCodePoint(fitted);
  const screen = new ScreenModel(cols, rows);
  const sizes: number[] = [];
  const times: number[] = [];
  let errorSum = 0;
  let channels = 0;
  let maxError = 0;
  const tolerances: number[] = [];
  let lastBytes = 0;
  for (let f = 0; f < frames.length; f++) {
    const frame = frames[f]!;
    // As the client does: the tolerance for this frame from the bytes the last one cost.
    const tolerance = governor?.next(lastBytes, false);
    if (tolerance !== undefined) r.setTolerance(tolerance);
    const start = performance.now();
    const out =
      kind === 'fitted' ? r.renderFitted(frame, cols, rows, CELL_STYLES[FITTED_STYLE]) : pixel ? r.renderPixels(frame, cols, rows * 2) : r.renderCells(frame, cols, rows);
    const ms = performance.now() - start;
    lastBytes = out.length;
    screen.replay(out);
    if (f === 0) continue;
    if (tolerance !== undefined) tolerances.push(tolerance);
    times.push(ms);
    sizes.push(out.length);
    for (let y = 0, i = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++, i++) {
        // Wanted colours as 0xRRGGBB: ascii fg (none for a space) on black; blocks top / bottom pixel.
        // Fitted cells are compared as the pictures they draw: the colour at each of the style's
        // samples (share w of the glyph: w·fg + (1 − w)·bg), screen against frame, since the
        // renderer may keep another glyph that draws the same picture within the tolerance.
        let wantFg: number;
        let wantBg = 0;
        if (kind === 'fitted') {
          const s = i * 7;
          const want = shapes.get(glyphs[frame[s]!]!)!;
          const got = shapes.get(screen.ch[i]!);
          if (!got || screen.bg[i]! < 0) throw new Error(`bench: cell ${x},${y} shows no fitted glyph`);
          const sf = Math.max(0, screen.fg[i]!), sb = screen.bg[i]!;
          for (let c = 0; c < 3; c++) {
            const wf = frame[s + 1 + c]!, wb = frame[s + 4 + c]!;
            const gf = (sf >> (16 - 8 * c)) & 0xff, gb = (sb >> (16 - 8 * c)) & 0xff;
            for (let t = 0; t < want.length; t++) {
              const e = Math.abs(want[t]! * wf + (1 - want[t]!) * wb - (got[t]! * gf + (1 - got[t]!) * gb));
              errorSum += e;
              channels++;
              if (e > maxError) maxError = e;
            }
          }
          continue;
        } else if (pixel) {
          const t = (2 * y * cols + x) * 3;
          const b = t + cols * 3;
          wantFg = (frame[t + 2]! << 16) | (frame[t + 1]! << 8) | frame[t]!;
          wantBg = (frame[b + 2]! << 16) | (frame[b + 1]! << 8) | frame[b]!;
        } else {
          const s = i * 4;
          wantFg = frame[s] === 0x20 ? -1 : (frame[s + 1]! << 16) | (frame[s + 2]! << 8) | frame[s + 3]!;
        }
        for (const [want, got] of [[wantFg, screen.fg[i]!], [wantBg, screen.bg[i]!]] as const) {
          if (want < 0) continue;
          if (got < 0) throw new Error(`bench: cell ${x},${y} shows no RGB colour`);
          for (let shift = 0; shift <= 16; shift += 8) {
            const e = Math.abs(((want >> shift) & 0xff) - ((got >> shift) & 0xff));
            errorSum += e;
            channels++;
            if (e > maxError) maxError = e;
          }
        }
      }
    }
  }
  return { bytes: median(sizes), meanError: errorSum / channels, maxError: Math.round(maxError * 100) / 100, renderMs: median(times), tolerance: median(tolerances) };
}

/**
 * Just enough of a terminal to replay VideoRenderer's truecolor output: CUP, CUF, SGR 0 / 38;2 /
 * 48;2, DECSC/DECRC, SCS and DEC mode 2026 (ignored), UTF-8 characters. Colours as 0xRRGGBB, -1
 * for default. Anything else throws, so the bench notices when the renderer's output changes shape.
 */
class ScreenModel {
  readonly fg: Int32Array;
  readonly bg: Int32Array;
  /** Code point shown per cell (-1: none yet). */
  readonly ch: Int32Array;
  private row = 0;
  private col = 0;
  private curFg = -1;
  private curBg = -1;

  constructor(
    private readonly cols: number,
    private readonly rows: number,
  ) {
    this.fg = new Int32Array(cols * rows).fill(-1);
    this.bg = new Int32Array(cols * rows).fill(-1);
    this.ch = new Int32Array(cols * rows).fill(-1);
  }

  replay(bytes: Uint8Array): void {
    let p = 0;
    while (p < bytes.length) {
      const b = bytes[p]!;
      if (b === 0x1b) {
        const next = bytes[p + 1];
        if (next === 0x37 || next === 0x38) p += 2; // DECSC / DECRC
        else if (next === 0x28) p += 3; // ESC ( B
        else if (next === 0x5b) p = this.csi(bytes, p + 2);
        else throw new Error(`bench: unexpected ESC ${next}`);
        continue;
      }
      // UTF-8: the code point, for the picture a fitted cell draws.
      const len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      let cp = len === 1 ? b : b & (0xff >> (len + 1));
      for (let k = 1; k < len; k++) cp = (cp << 6) | (bytes[p + k]! & 0x3f);
      p += len;
      if (this.row >= this.rows || this.col >= this.cols) throw new Error('bench: character outside the region');
      const i = this.row * this.cols + this.col;
      this.ch[i] = cp;
      this.fg[i] = this.curFg;
      this.bg[i] = this.curBg;
      this.col++;
    }
  }

  /** Parses one CSI from `p` (after ESC [) and returns the position after it. */
  private csi(bytes: Uint8Array, p: number): number {
    const params: number[] = [];
    let n = -1;
    let private_ = false;
    for (;;) {
      const b = bytes[p++]!;
      if (b >= 0x30 && b <= 0x39) n = (n < 0 ? 0 : n * 10) + b - 0x30;
      else if (b === 0x3b) {
        params.push(n);
        n = -1;
      } else if (b === 0x3f) private_ = true;
      else {
        params.push(n);
        if (private_) return p; // ?2026h / ?2026l
        if (b === 0x48) {
          this.row = Math.max(1, params[0]!) - 1;
          this.col = Math.max(1, params[1] ?? 1) - 1;
        } else if (b === 0x43) this.col += Math.max(1, params[0]!);
        else if (b === 0x6d) this.sgr(params);
        else throw new Error(`bench: unexpected CSI final ${String.fromCharCode(b)}`);
        return p;
      }
    }
  }

  private sgr(params: number[]): void {
    for (let k = 0; k < params.length; k++) {
      const v = Math.max(0, params[k]!);
      if (v === 0) this.curFg = this.curBg = -1;
      else if (v === 39) this.curFg = -1;
      else if (v === 49) this.curBg = -1;
      else if ((v === 38 || v === 48) && params[k + 1] === 2) {
        const c = (params[k + 2]! << 16) | (params[k + 3]! << 8) | params[k + 4]!;
        if (v === 38) this.curFg = c;
        else this.curBg = c;
        k += 4;
      } else throw new Error(`bench: unexpected SGR ${v}`);
    }
  }
}

/** Printable lines for the benchmark report. */
export function formatTerminalBytes(r: TerminalBytesResult): string[] {
  const kb = (n: number) => `${(n / 1024).toFixed(1).padStart(7)} KiB/frame`;
  const share = (n: number) => `${((100 * n) / r.naiveBytes).toFixed(1).padStart(5)}% of naive`;
  return [
    `terminal bytes, ${r.cols}×${r.rows} cells, median of ${r.frames - 1} frames, ${FOV}° FOV, pan ${YAW_STEP}°/frame:`,
    `  static view        ${kb(r.staticBytes)}  ${share(r.staticBytes)}`,
    `  pan, diffed        ${kb(r.panBytes)}  ${share(r.panBytes)}  (render ${r.panRenderMs.toFixed(2)} ms/frame)`,
    `  pan, naive redraw  ${kb(r.naiveBytes)}  100.0% of naive`,
    `  pan, 256 colours   ${kb(r.pan256Bytes)}  ${share(r.pan256Bytes)}`,
    `  pan, blocks        ${kb(r.blocksPanBytes)}  (${r.cols}×${r.rows * 2} pixels)`,
    `  truecolor pan by colour tolerance (max error per channel); error = mean |Δ| per channel on screen:`,
    ...r.tolerance.map(
      (t) =>
        `    T=${String(t.tolerance).padEnd(3)} ascii ${kb(t.asciiBytes)} ${share(t.asciiBytes)}` +
        `  error ${t.asciiMeanError.toFixed(2)} (max ${t.asciiMaxError})  ${t.asciiRenderMs.toFixed(2)} ms` +
        `   blocks ${kb(t.blocksBytes)}  error ${t.blocksMeanError.toFixed(2)} (max ${t.blocksMaxError})`,
    ),
    `  ${FITTED_STYLE} style (the default where sextants draw: fitted cells, renderFitted), truecolor pan; error per channel at each of the style's samples:`,
    ...r.fitted.map(
      (t) =>
        `    T=${String(t.tolerance).padEnd(3)} ${kb(t.bytes)} ${share(t.bytes)}  error ${t.meanError.toFixed(2)} (max ${t.maxError})  ${t.renderMs.toFixed(2)} ms` +
        (t.tolerance === DEFAULT_TOLERANCE ? '   (the configured tolerance, --tolerance 8)' : t.tolerance === 2 * DEFAULT_TOLERANCE ? '   (the client while the viewer turns the view)' : ''),
    ),
    `    client default (--tolerance ${DEFAULT_TOLERANCE} within --frame-budget ${DEFAULT_FRAME_BUDGET_KIB}: tolerance ${r.fittedClient.tolerance} at the median frame) ${kb(r.fittedClient.bytes)} ${share(r.fittedClient.bytes)}  error ${r.fittedClient.meanError.toFixed(2)} (max ${r.fittedClient.maxError})   aim <= 60 KiB: ${r.fittedClient.bytes <= 60 * 1024 ? 'met' : 'NOT met'}`,
  ];
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A deterministic equirectangular RGB24 picture with detail at several scales: broad colour
 * gradients over longitude and latitude (sky-like towards the top), 32-pixel blocks of varying
 * brightness (buildings, tiles), and fine ripples a few pixels long (texture that shimmers under
 * a pan, as real footage does). Built from per-column and per-row terms, so it is fast to make.
 */
export function syntheticEquirect(width: number, height: number): Uint8Array {
  const img = new Uint8Array(width * height * 3);
  const colA = new Float64Array(width);
  const colB = new Float64Array(width);
  const colFine = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const lon = (x / width) * 2 * Math.PI;
    colA[x] = Math.sin(lon);
    colB[x] = Math.cos(2 * lon + 0.7);
    colFine[x] = Math.sin(lon * 173);
  }
  for (let y = 0; y < height; y++) {
    const lat = (y / height) * Math.PI; // 0 at the top
    const sky = Math.cos(lat); // 1 at the top, -1 at the bottom
    const rowFine = Math.sin(lat * 97);
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      // Block brightness from a hash of the 32×32 block coordinates.
      let h = Math.imul((x >> 5) * 73856093 ^ (y >> 5) * 19349663, 0x9e3779b1);
      h ^= h >>> 15;
      const block = ((h & 0xff) - 128) * 0.25;
      const fine = 18 * colFine[x]! * rowFine;
      const r = 120 + 70 * colA[x]! - 40 * sky + block + fine;
      const g = 110 + 60 * colB[x]! * (0.5 + 0.5 * Math.sin(lat * 2)) + block + fine;
      const b = 130 + 90 * sky + 30 * colA[x]! * colB[x]! + block * 0.5 + fine;
      img[o] = r < 0 ? 0 : r > 255 ? 255 : r;
      img[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      img[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return img;
}
