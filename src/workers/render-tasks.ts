/** The body of a render job, shared by the worker thread and the inline fallback. */
import { EQUIRECT_FORMAT } from '../projection/layouts/index.js';
import type { FrameSlots } from '../shared/types.js';
import { WARM_UP_JOBS } from './fit-effort.js';
import type { RenderOutput, RenderTask } from './messages.js';
import { payloadCapacity, ViewRendererCache, type SourceFrame } from './view-renderer.js';

/** A SourceFrame to fill in place, every field present. */
type JobFrame = { -readonly [K in keyof SourceFrame]-?: SourceFrame[K] };

/** What `RenderJobs.frameOf` reads of a frame ring: the worker's copy of its description, or the ring itself inline. */
export type JobRing = Pick<FrameSlots, 'format' | 'arena' | 'changes'>;

/**
 * Render jobs with their renderer cache and the accounting the fit-effort governor reads, the same
 * in a worker thread and in the inline fallback: each job's time, and its load (fit-effort.ts).
 */
export class RenderJobs {
  readonly cache = new ViewRendererCache();
  private readonly cost: JobCost = { setupMs: 0, cells: 0, cellsReused: 0, samplesSimd: 0, samplesJs: 0, samplesKept: 0 };
  private jobs = 0;
  /** The frame `frameOf` fills in place: a job comes once a frame, and allocates no frame object (STYLE.md §2.13). */
  private readonly frame: JobFrame = { pixels: new Uint8Array(0), width: 0, height: 0, format: EQUIRECT_FORMAT, arena: null, stamps: null, seq: 0 };
  /** The last job's time, ms. */
  busyMs = 0;
  /** The same less one-off setup (a view change's table and fitter); null for the first WARM_UP_JOBS. */
  loadMs: number | null = null;

  /** The last job's fitted cells, and those of them reused from the frame before. */
  get cells(): number {
    return this.cost.cells;
  }

  get cellsReused(): number {
    return this.cost.cellsReused;
  }

  /** The last job's samples, taken by the SIMD sampler and in JS. */
  get samplesSimd(): number {
    return this.cost.samplesSimd;
  }

  get samplesJs(): number {
    return this.cost.samplesJs;
  }

  /** The last job's samples kept from the frame before, their tiles unchanged (frame-changes.ts). */
  get samplesKept(): number {
    return this.cost.samplesKept;
  }

  /**
   * `pixels`, a slot of `ring` (width×height), as a job's frame numbered `seq` among the ring's
   * delivered frames: this RenderJobs' one frame object, filled again, valid until the next call.
   */
  frameOf(pixels: Uint8Array, width: number, height: number, ring: JobRing, seq: number): SourceFrame {
    const frame = this.frame;
    frame.pixels = pixels;
    frame.width = width;
    frame.height = height;
    frame.format = ring.format;
    frame.arena = ring.arena;
    frame.stamps = ring.changes;
    frame.seq = seq;
    return frame;
  }

  /** Renders `tasks` of `frame` (frameOf's, or any SourceFrame), timing the job. */
  run(frame: SourceFrame, index: number, run: number, tasks: readonly RenderTask[]): RenderOutput[] {
    const started = performance.now();
    const outputs = renderTasks(this.cache, frame, index, run, tasks, this.cost);
    this.busyMs = performance.now() - started;
    this.loadMs = this.jobs++ < WARM_UP_JOBS ? null : this.busyMs - this.cost.setupMs;
    return outputs;
  }
}

/** What a job cost beyond its time: one-off setup, the fitted cells it searched or reused, and the samples it took by each path. */
export interface JobCost {
  setupMs: number;
  cells: number;
  cellsReused: number;
  samplesSimd: number;
  samplesJs: number;
  samplesKept: number;
}


export function renderTasks(
  cache: ViewRendererCache,
  frame: SourceFrame,
  index: number,
  run: number,
  tasks: readonly RenderTask[],
  cost?: JobCost,
): RenderOutput[] {
  const outputs: RenderOutput[] = [];
  if (cost) {
    cost.setupMs = 0;
    cost.cells = 0;
    cost.cellsReused = 0;
    cost.samplesSimd = 0;
    cost.samplesJs = 0;
    cost.samplesKept = 0;
  }
  for (const task of tasks) {
    const capacity = payloadCapacity(task.spec);
    const buffer = task.buffer && task.buffer.byteLength === capacity ? task.buffer : new ArrayBuffer(capacity);
    const started = performance.now();
    const renderer = cache.get(task.key, task.spec);
    const out = new Uint8Array(buffer);
    const length = renderer.render(frame, index, out, task.effort, task.coarseFirst);
    if (cost) {
      cost.setupMs += renderer.setupMs;
      cost.cells += renderer.cellsFitted;
      cost.cellsReused += renderer.cellsReused;
      if (renderer.sampledSimd) cost.samplesSimd += renderer.samplesTaken;
      else cost.samplesJs += renderer.samplesTaken;
      cost.samplesKept += renderer.samplesKept;
    }
    const codec = renderer.codec;
    if (!codec) {
      outputs.push({ key: task.key, buffer, length, id: 0, base: -1, keyBuffer: null, keyLength: 0, coarse: renderer.coarse, ms: performance.now() - started, setupMs: renderer.setupMs });
      continue;
    }
    // The uncoded frame was rendered in place as RAW; the codec reads it, then writes over it.
    // A key buffer of another size (the spec changed since it was taken) is replaced, like `buffer`.
    const keyBuffer = !task.keyBuffer ? null : task.keyBuffer.byteLength === capacity ? task.keyBuffer : new ArrayBuffer(capacity);
    // A render with setup is a view's first at its shape (or its style is cold): its encode is the
    // keyframe of a new view, one-off too, and timed only then.
    const encodeStart = cost && renderer.setupMs > 0 ? performance.now() : -1;
    const coded = codec.encode(out.subarray(5, length), index, run, out, keyBuffer ? new Uint8Array(keyBuffer) : null);
    if (encodeStart >= 0) cost!.setupMs += performance.now() - encodeStart;
    outputs.push({ key: task.key, buffer, length: coded.length, id: coded.id, base: coded.base, keyBuffer, keyLength: coded.keyLength, coarse: renderer.coarse, ms: performance.now() - started, setupMs: renderer.setupMs + (encodeStart >= 0 ? performance.now() - encodeStart : 0) });
  }
  cache.tick(tasks.length);
  return outputs;
}
