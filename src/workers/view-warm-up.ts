/**
 * A worker's first view changes of a style ran code V8 had not optimised yet: on the bench machine
 * a fresh 160×45 sextant view (the coarse first frame of every mosaic view change) took 53, 35 and
 * 11 ms to render for its first three tables, then 6. So a viewer's first key presses after
 * starting took two to five times as long as the later ones. Once a style has been rendered, the
 * worker, when idle, renders WARM_UP_VIEWS throwaway views of it (other directions, so each builds
 * its own table, then encoded as a keyframe) one at a time, between real jobs, and forgets them.
 */
import { CELL_STYLES, type StyleName } from '../../protocol/index.js';
import { EQUIRECT_FORMAT, type PictureFormat } from '../projection/layouts/index.js';
import { MosaicKernel } from '../quantise/mosaic-kernel.js';
import type { ViewSpec } from '../shared/types.js';
import type { RenderTask } from './messages.js';
import { payloadCapacity, ViewRenderer } from './view-renderer.js';
import { createFrameMemory, WasmArena } from '../shared/wasm-arena.js';
import { RGB24, slotLayout, writeBlack, type FramePixels } from '../shared/frame-pixels.js';

/** Throwaway views per code path. */
export const WARM_UP_VIEWS = 3;
/** View keys remembered before the set starts again (a drag makes a new key every frame). */
const KEYS_KEPT = 256;
/** Quiet time before a warm-up render: a job on its way goes first. */
export const WARM_UP_IDLE_MS = 100;

interface Pending {
  spec: ViewSpec;
  coarseFirst: boolean;
  left: number;
}

export class ViewWarmUp {
  /** Code paths (style, palette, codec, camera: not the grid, so the set stays small) warmed or queued. */
  private readonly seen = new Set<string>();
  private readonly pending: Pending[] = [];
  /** View keys already looked at, so a frame's jobs cost a set lookup each, no string built (cleared at KEYS_KEPT). */
  private readonly keysSeen = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  // The last job's frame, read by the throwaway renders.
  private pixels: Uint8Array | null = null;
  private width = 0;
  private height = 0;
  private format: PictureFormat | null = null;
  private arena: WasmArena | null = null;

  /** After a job: notes its styles, and warms what is new once the worker is idle (`arena` as the job's). */
  noteJob(tasks: readonly RenderTask[], pixels: Uint8Array, width: number, height: number, format: PictureFormat, arena: WasmArena | null = null): void {
    this.pixels = pixels;
    this.arena = arena;
    this.width = width;
    this.height = height;
    this.format = format;
    for (const t of tasks) {
      if (this.keysSeen.has(t.key)) continue;
      if (this.keysSeen.size >= KEYS_KEPT) this.keysSeen.clear();
      this.keysSeen.add(t.key);
      const id = `${t.spec.style}:${t.spec.palette}:${t.spec.codec}:${t.spec.camera}`;
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      this.pending.push({ spec: t.spec, coarseFirst: t.coarseFirst, left: WARM_UP_VIEWS });
    }
    this.arm();
  }

  /** A job arrived: warm-up waits for the next quiet spell. */
  busy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = this.pending.length > 0 ? setTimeout(this.step, WARM_UP_IDLE_MS) : null;
    this.timer?.unref();
  }

  private readonly step = (): void => {
    this.timer = null;
    const next = this.pending[0];
    const pixels = this.pixels;
    if (!next || !pixels || !this.format) return;
    next.left--;
    if (next.left <= 0) this.pending.shift();
    // Another direction each time, so each render builds a table of its own, as a view change does.
    const spec = { ...next.spec, yaw: next.spec.yaw + 45 * (next.left + 1) };
    const renderer = new ViewRenderer(spec);
    const out = new Uint8Array(payloadCapacity(spec));
    // The frame's slot may be refilled meanwhile: what it shows does not matter here.
    // In the job's arena, so the SIMD sampler is warmed too.
    const length = renderer.render({ pixels, width: this.width, height: this.height, format: this.format, arena: this.arena }, 0, out, 'full', next.coarseFirst);
    renderer.codec?.encode(out.subarray(5, length), 0, 0, out, null);
    renderer.release();
    this.arm();
  };

  dispose(): void {
    this.busy();
    this.pending.length = 0;
    this.pixels = null;
    this.arena = null;
  }
}

/**
 * The style built ahead, when a worker starts: the default where the terminal draws sextants, and
 * the page's. Its search (JS kernel, SIMD module, the module's warm-up) took about 120 ms of the
 * first mosaic viewer's first frames, and the first tables and samples ran unoptimised code,
 * while every viewer's frames were dropped: on the bench's 4K clip a mosaic viewer joining
 * dropped 5–8 frames; 1–2 with the search built ahead; none with a throwaway view rendered too
 * (about 130 ms at the worker's start, while the source opens).
 */
export const STYLE_BUILT_AHEAD: StyleName = 'mosaic';
/** The throwaway views rendered ahead: small, so their tables cost a few ms; frames of both kinds a source hands over. */
const AHEAD_WIDTH = 512;
const AHEAD_HEIGHT = 256;
const AHEAD_PIXELS: readonly FramePixels[] = [RGB24, { kind: 'yuv420p', matrix: 'bt709', range: 'limited' }];

/**
 * Builds STYLE_BUILT_AHEAD's search now, and renders a throwaway view of it (its coarse first
 * frame, then a full one) from a black frame of each pixel kind in a memory of its own, so the
 * table builder, the samplers and the fit run optimised code by the first real view. Call when
 * the thread has nothing else to do.
 */
export function buildAhead(): void {
  MosaicKernel.forStyle(CELL_STYLES[STYLE_BUILT_AHEAD]);
  const spec: ViewSpec = { yaw: 0, pitch: 0, roll: 0, fov: 90, cols: 40, rows: 12, aspect: 0.5, mode: 5, style: STYLE_BUILT_AHEAD, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
  const out = new Uint8Array(payloadCapacity(spec));
  for (const pixels of AHEAD_PIXELS) {
    const layout = slotLayout(pixels, AHEAD_WIDTH, AHEAD_HEIGHT);
    const memory = createFrameMemory(layout.slotBytes);
    const arena = memory ? new WasmArena(memory) : null;
    const frame = arena ? arena.view(0, layout.slotBytes) : new Uint8Array(layout.slotBytes);
    writeBlack(pixels, layout, frame);
    const renderer = new ViewRenderer(spec);
    const source = { pixels: frame, width: AHEAD_WIDTH, height: AHEAD_HEIGHT, format: { ...EQUIRECT_FORMAT, pixels }, arena };
    for (let i = 0; i < 3; i++) renderer.render(source, i, out, 'full', i === 0);
    renderer.release();
  }
}
