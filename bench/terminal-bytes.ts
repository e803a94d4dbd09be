/**
 * Bytes per frame the terminal client writes, for bench/run.ts.
 *
 * A synthetic 2048×1024 equirectangular texture (smooth gradients, blocky mid-scale structure,
 * fine ripples) goes through the server's real pipeline, EquirectToFlat + sampleCells + writeCells
 * (mode 5, full colour), and the cells into VideoRenderer:
 * - static: the same view every frame (what a paused or still video costs);
 * - pan: yaw advancing 0.5° per frame at a 90° field of view, a slow steady turn;
 * - naive: the pan drawn as a full redraw, every cell with its own SGR (the baseline);
 * plus the same pan at 256 colours and in blocks style (half-block pixels, truecolor).
 * Figures are medians over the frames after the first (the first is always a full draw).
 */
import { EquirectToFlat, sampleCells } from '../src/projection/equirect-to-flat.js';
import { writeCells, writePixels } from '../src/quantise/quantise.js';
import { VideoRenderer, type ColorDepth } from '../src/client/terminal/video-renderer.js';

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
  const projection = new EquirectToFlat();

  // Frames first, so the renderers are timed on their own.
  const cellFrames: Uint8Array[] = [];
  const pixelFrames: Uint8Array[] = [];
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
  }

  const renderer = (depth: ColorDepth, fullRedraw = false) => {
    const r = new VideoRenderer({ depth, syncOutput: true, fullRedraw });
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
  };
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
