/**
 * One distinct view's per-frame work: sample the frame through its table, then quantise into the
 * wire payload. Tables and scratch buffers live here and are rebuilt only when the view, grid or
 * working size changes. Used in worker threads and, when no worker starts, inline.
 */
import { binaryFrameBytes, writeFrameHeader } from '../../protocol/index.js';
import { EquirectToFlat, sampleCells } from '../projection/equirect-to-flat.js';
import type { Projection, SamplingTable } from '../projection/projection.js';
import { textFrameCapacity, writeCells, writePixels, writeTextFrame } from '../quantise/quantise.js';
import type { SampleGrid, ViewSpec } from '../shared/types.js';

/** Canonical key of everything that decides a viewer's bytes: equal keys share one result. */
export function viewKey(s: ViewSpec): string {
  return `${s.yaw.toFixed(2)}|${s.pitch.toFixed(2)}|${s.roll.toFixed(2)}|${s.fov.toFixed(2)}|${s.cols}x${s.rows}|${s.aspect.toFixed(3)}|m${s.mode}|${s.pixel ? 'px' : 'ch'}|${s.codec}`;
}

/** The projection's sample grid: pixel frames have two samples per cell, each half as tall. */
export function sampleGridOf(s: ViewSpec): SampleGrid {
  return s.pixel ? { cols: s.cols, rows: s.rows * 2, aspect: s.aspect * 2 } : { cols: s.cols, rows: s.rows, aspect: s.aspect };
}

/** Bytes one payload of this spec needs (the largest mode-1 text frame for mode 1). */
export function payloadCapacity(s: ViewSpec): number {
  if (s.mode === 1 && !s.pixel) return textFrameCapacity(s.cols, s.rows);
  return binaryFrameBytes(s.cols, s.pixel ? s.rows * 2 : s.rows, s.codec, s.pixel);
}

const projection: Projection = new EquirectToFlat();

export class ViewRenderer {
  private table: SamplingTable | null = null;
  /** Whether `table` still matches `spec` (a recycled renderer keeps its memory, not its table). */
  private stale = true;
  private rgb: Uint8Array = new Uint8Array(0);
  /** Render count at last use, for eviction. */
  lastUsed = 0;

  constructor(public spec: ViewSpec) {}

  /** Serve another view with this renderer's buffers. */
  respec(spec: ViewSpec): void {
    this.spec = spec;
    this.stale = true;
  }

  /** Renders `frame` (equirect RGB24, width×height) into `out`; returns the payload length. */
  render(frame: Uint8Array, width: number, height: number, index: number, out: Uint8Array): number {
    const s = this.spec;
    if (!this.table || this.stale || this.table.srcWidth !== width || this.table.srcHeight !== height) {
      this.table = projection.buildTable(s, sampleGridOf(s), width, height, this.table?.offsets);
      this.stale = false;
      const samples = this.table.cols * this.table.rows * 3;
      this.rgb = this.rgb.buffer.byteLength >= samples ? new Uint8Array(this.rgb.buffer, 0, samples) : new Uint8Array(samples);
    }
    sampleCells(this.table, frame, this.rgb);
    const count = this.table.cols * this.table.rows;
    if (s.pixel) return writePixels(this.rgb, count, s.mode, out, writeFrameHeader(out, 0, index, s.codec, true));
    if (s.mode === 1) return writeTextFrame(this.rgb, s.cols, s.rows, index, out);
    return writeCells(this.rgb, count, s.mode, out, writeFrameHeader(out, 0, index, s.codec, false));
  }
}

/**
 * Renderers by view key. A dragging viewer makes a new key every frame, so tables would pile up:
 * a renderer unused for IDLE_RENDERS renders is dropped, and the cache never holds more than
 * MAX_RENDERERS (least recently used go first). Rebuilding a table costs milliseconds; keeping
 * hundreds costs hundreds of megabytes.
 */
export const IDLE_RENDERS = 30;
export const MAX_RENDERERS = 64;
/** Evicted renderers kept to serve new views with their memory. */
const SPARE_RENDERERS = 8;

export class ViewRendererCache {
  /** Map order is insertion order; `get` re-inserts, so the first entry is the least recently used. */
  private readonly renderers = new Map<string, ViewRenderer>();
  private readonly spares: ViewRenderer[] = [];
  private clock = 0;

  constructor(
    private readonly idleRenders = IDLE_RENDERS,
    private readonly maxRenderers = MAX_RENDERERS,
  ) {}

  get(key: string, spec: ViewSpec): ViewRenderer {
    let r = this.renderers.get(key);
    if (r) {
      this.renderers.delete(key);
    } else {
      r = this.spares.pop();
      if (r) r.respec(spec);
      else r = new ViewRenderer(spec);
    }
    this.renderers.set(key, r);
    r.lastUsed = this.clock;
    return r;
  }

  /** Call once per rendered frame. */
  tick(): void {
    this.clock++;
    for (const [key, r] of this.renderers) {
      if (this.renderers.size <= this.maxRenderers && this.clock - r.lastUsed <= this.idleRenders) break;
      this.renderers.delete(key);
      if (this.spares.length < SPARE_RENDERERS) this.spares.push(r);
    }
  }

  get size(): number {
    return this.renderers.size;
  }
}
