/**
 * A pool of worker threads rendering every distinct view of a frame in parallel (render-scheduler.ts
 * hands it one frame at a time). Each view sticks to one worker (by key hash), so its sampling table
 * is built once and kept there. The pool owns the payload buffers (allocated here, recycled through
 * PayloadPool), measures each frame's busiest worker for the fit-effort governor (fit-effort.ts),
 * counts jobs that failed in a worker (/healthz `workerFailures`) and restarts a worker that exits.
 * When no worker can start, the same code runs inline on the main thread (STYLE.md §2.12).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CELL_STYLES, frameShape } from '../../protocol/index.js';
import type { Logger } from '../shared/logger.js';
import type { DecodedFrame, FrameSlots, ViewSpec } from '../shared/types.js';
import { EffortGovernor, FIT_EFFORTS, type FitEffort } from './fit-effort.js';
import { FairShare } from './fair-share.js';
import type { FromWorker, RenderOutput, RenderTask, ToWorker } from './messages.js';
import { PayloadPool, SharedPayload } from './payload.js';
import { RenderJobs } from './render-tasks.js';
import { payloadCapacity } from './view-renderer.js';

export interface KeyedView {
  key: string;
  spec: ViewSpec;
  /** Coded views: some viewer lacks the view's last state, so a keyframe is made if the frame is a DELTA. */
  needKey?: boolean;
  /**
   * Who the view is for, whatever its direction: its first viewer's id. A turning view has a new
   * key every frame; its share of the render time (fair-share.ts) goes with its viewer.
   */
  owner?: number;
}

type Done = (payloads: SharedPayload[]) => void;

/**
 * A worker's render time a frame that its views share while over budget, in frame intervals: a
 * little over one, so the worker stays busy through each frame's hand-over (the renders' own
 * times leave out the messages and the delivery), at the cost of a frame dropped now and then.
 */
const SHARED_BUDGET = 1.1;

interface PendingJob {
  remaining: Set<WorkerSlot>;
  /** Views were held back from this frame (fair-share.ts): the governor is told only what the views it relieves cost. */
  shared: boolean;
  /** The busiest worker's time on those views, without setup. */
  relievedMs: number;
  /** What the governor must relieve beyond them: the exempt views and the others' least share past the budget. */
  overMs: number;
  payloads: SharedPayload[];
  textKeys: Set<string>;
  done: Done;
  /** The longest a worker spent on its part of the job. */
  busyMs: number;
  /** The same less one-off setup; null when a worker was warming up (messages.ts). */
  loadMs: number | null;
  /** Whether any view of the job fits with less at a lower effort (mosaic): else the load says nothing to the governor. */
  reducible: boolean;
}

interface WorkerSlot {
  worker: Worker;
  ringId: number;
  /** What its renderer cache held after its last job. */
  tables: number;
  tableBytes: number;
}

/**
 * Worker threads to start by default: leave a core for the main thread and ffmpeg.
 * ASCII360_WORKERS overrides it (0 renders on the main thread).
 */
export function defaultWorkerCount(): number {
  const forced = Number(process.env['ASCII360_WORKERS']);
  if (process.env['ASCII360_WORKERS'] && Number.isInteger(forced) && forced >= 0) return Math.min(forced, 64);
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

/** The compiled worker beside this file; under vitest (running .ts) the build in dist/. */
function workerFile(): string | null {
  const here = fileURLToPath(import.meta.url);
  const candidates = [here.replace(/\.ts$/, '.js').replace(/view-renderer|render-pool/, 'render-worker')];
  if (here.endsWith('.ts')) candidates.push(here.replace(/([\\/])src([\\/]workers[\\/])render-pool\.ts$/, '$1dist$1src$2render-worker.js'));
  return candidates.find((f) => f.endsWith('.js') && existsSync(f)) ?? null;
}

/**
 * A render worker's heap holds sampling tables (ViewRendererCache bounds them) and per-frame
 * garbage. Left to V8's defaults a worker's heap kept growing under view churn (a 10-minute soak
 * with 32 moving viewers: RSS +25%, none with inline rendering); a bounded young generation makes
 * it collect early and often, which costs little since its garbage is small and short-lived.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 };

/**
 * What a frame's renders tell the fit-effort governor: its load, without setup (null while warming
 * up, or with no view it could relieve). Where views were held back, the load is the fair share's
 * doing, over a frame interval by design: only what the views it relieves cost counts then, or a
 * mosaic viewer beside dear ramp views was stepped down to quadrants for their load; unless they
 * took more than their head count's part of the budget (FairShare.overMs), when it is theirs.
 */
function loadOf(job: { reducible: boolean; shared: boolean; relievedMs: number; overMs: number; loadMs: number | null }): number | null {
  if (!job.reducible || job.loadMs === null) return null;
  // The views it relieves took more than their head count's part: the whole load, theirs to relieve.
  return job.shared && job.overMs === 0 ? job.relievedMs : job.loadMs;
}

/** Whether the fit-effort governor can make a view cheaper: a style with cheaper ones to fit as (mosaic). */
function reducible(view: KeyedView): boolean {
  return CELL_STYLES[view.spec.style].reducedTo.length > 0;
}

function hashKey(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class RenderPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly inline: RenderJobs | null;
  private readonly pending = new Map<number, PendingJob>();
  private readonly payloads = new PayloadPool();
  private nextJobId = 1;
  private generations = 0;
  private disposed = false;
  /** Jobs that failed in a worker; their views miss that frame. */
  failures = 0;
  /** How hard mosaic fits work, from how busy the workers are (fit-effort.ts). */
  private readonly governor = new EffortGovernor();
  /** Each view's share of its worker's frame time while rendering is over budget (fair-share.ts). */
  private readonly fair = new FairShare();
  /** shareOut's and render's scratch: views by worker (byWorker). */
  private readonly groups = new Map<WorkerSlot | null, KeyedView[]>();
  private readonly renderGroups = new Map<WorkerSlot | null, KeyedView[]>();
  /** The keys of the last shareOut's views the governor relieves, and whether it held any view back (for the render that follows it). */
  private readonly relievedKeys = new Set<string>();
  private shareHeld = false;
  /** How far the exempt views and the least the others are left go over the budget (FairShare.overMs), the busiest worker's. */
  private shareOverMs = 0;
  /** The source's frame interval, the budget a frame's renders are measured against; 0 until known. */
  frameIntervalMs = 0;
  /** Called when the fit effort changes. */
  onEffort: ((effort: FitEffort, busyShare: number) => void) | null = null;

  get effort(): FitEffort {
    return this.governor.effort;
  }

  constructor(
    workerCount: number,
    private readonly log: Logger,
  ) {
    const file = workerCount > 0 ? workerFile() : null;
    if (workerCount > 0 && !file) log.warn('workers.unavailable', { reason: 'render-worker.js not built', using: 'inline rendering' });
    if (file) for (let i = 0; i < workerCount; i++) this.slots.push(this.spawn(file, true));
    this.inline = this.slots.length === 0 ? new RenderJobs() : null;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  /** `atStart`: the server is starting, so the worker builds the default style ahead (view-warm-up.ts); a restart takes jobs at once. */
  private spawn(file: string, atStart: boolean): WorkerSlot {
    // Each start is a new generation, so its codec state ids never repeat an earlier worker's (frame-encoder.ts).
    const workerData = { generation: ++this.generations, buildAhead: atStart };
    const slot: WorkerSlot = { worker: new Worker(file, { resourceLimits: WORKER_LIMITS, workerData }), ringId: -1, tables: 0, tableBytes: 0 };
    slot.worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    slot.worker.on('error', (error) => {
      this.log.error('worker.crashed', { error: error.message });
    });
    slot.worker.on('exit', (code) => {
      if (this.disposed) return;
      this.log.error('worker.exited', { code, action: 'restart' });
      const i = this.slots.indexOf(slot);
      for (const [id, job] of this.pending) if (job.remaining.delete(slot)) this.finishIfDone(id, job);
      if (i >= 0) this.slots[i] = this.spawn(file, false);
    });
    // Workers must not keep the process alive on their own (STYLE.md §2.12).
    slot.worker.unref();
    return slot;
  }

  private onMessage(slot: WorkerSlot, message: FromWorker): void {
    if (message.type === 'forgot') {
      slot.tables = message.tables;
      slot.tableBytes = message.tableBytes;
      return;
    }
    const job = this.pending.get(message.jobId);
    if (!job) return;
    if (message.type === 'failed') {
      this.failures++;
      this.log.error('render.failed', { error: message.message });
    } else {
      let relievedMs = 0;
      for (const o of message.outputs) {
        this.fair.record(o.key, o.ms);
        if (job.shared && this.relievedKeys.has(o.key)) relievedMs += o.ms - o.setupMs;
        job.payloads.push(this.wrap(o, job.textKeys.has(o.key)));
      }
      job.relievedMs = Math.max(job.relievedMs, relievedMs);
      job.busyMs = Math.max(job.busyMs, message.busyMs);
      job.loadMs = message.loadMs === null || job.loadMs === null ? null : Math.max(job.loadMs, message.loadMs);
      slot.tables = message.tables;
      slot.tableBytes = message.tableBytes;
      this.tally(message);
    }
    job.remaining.delete(slot);
    this.finishIfDone(message.jobId, job);
  }

  private finishIfDone(id: number, job: PendingJob): void {
    if (job.remaining.size > 0) return;
    this.pending.delete(id);
    this.measured(job.busyMs, loadOf(job));
    job.done(job.payloads);
  }

  /**
   * Nobody watches: every worker lets go of its views' tables (about 6 MB a mosaic view), which
   * would otherwise stay until renders resumed and aged them out. Jobs already sent finish first.
   */
  forgetViews(): void {
    if (this.inline) {
      this.inline.cache.clear();
      return;
    }
    for (const s of this.slots) s.worker.postMessage({ type: 'forget' } satisfies ToWorker);
  }

  /** Sampling tables held by every worker (or the inline cache), and their bytes. */
  tables(): { count: number; bytes: number } {
    if (this.inline) return { count: this.inline.cache.size, bytes: this.inline.cache.bytes };
    let count = 0, bytes = 0;
    for (const s of this.slots) {
      count += s.tables;
      bytes += s.tableBytes;
    }
    return { count, bytes };
  }

  /** The busiest worker's time on the last frame's renders, ms. */
  lastRenderMs = 0;
  /** Fitted cells rendered since start, and those given the frame before's fit again (fit-reuse.ts). */
  cellsFitted = 0;
  cellsReused = 0;
  /** Samples taken since start by the SIMD sampler and in JS (/healthz `samples`). */
  samplesSimd = 0;
  samplesJs = 0;
  /** Samples kept from the frame before, their tiles unchanged (/healthz `samples.kept`; frame-changes.ts). */
  samplesKept = 0;
  /** Adds a job's fitted and kept cells and its samples by each path to the totals (a worker's reply or the inline jobs). */
  private tally(job: { readonly cells: number; readonly cellsReused: number; readonly samplesSimd: number; readonly samplesJs: number; readonly samplesKept: number }): void {
    this.cellsFitted += job.cells;
    this.cellsReused += job.cellsReused;
    this.samplesSimd += job.samplesSimd;
    this.samplesJs += job.samplesJs;
    this.samplesKept += job.samplesKept;
  }

  /** What of it the governor counted as load (without warm-up and view-change setup); null: not counted. */
  lastLoadMs: number | null = null;

  private measured(busyMs: number, loadMs: number | null): void {
    this.lastRenderMs = busyMs;
    this.lastLoadMs = loadMs;
    if (loadMs === null) return;
    const changed = this.governor.record(loadMs, this.frameIntervalMs);
    if (changed) this.onEffort?.(changed, this.governor.busyShare);
  }

  private wrap(o: RenderOutput, text: boolean): SharedPayload {
    let keyframe: SharedPayload | null = null;
    if (o.keyBuffer && o.keyLength > 0) keyframe = new SharedPayload(o.key, o.keyBuffer, o.keyLength, 'binary', this.payloads, o.id, -1);
    else if (o.keyBuffer) this.payloads.give(o.keyBuffer);
    return new SharedPayload(o.key, o.buffer, o.length, text ? 'text' : 'binary', this.payloads, o.id, o.base, keyframe, o.coarse);
  }

  /**
   * Payload buffers are always allocated here, on the main thread, and recycled through the pool:
   * memory allocated in a worker and freed on the main thread fragments the allocator (RSS crept
   * 25% in a 10-minute soak), and a worker that never allocates keeps its per-frame path clean.
   */
  private task(view: KeyedView): RenderTask {
    const capacity = payloadCapacity(view.spec);
    const take = (): ArrayBuffer => this.payloads.take(capacity) ?? new ArrayBuffer(capacity);
    const keyBuffer = view.needKey && frameShape(view.spec).tagged ? take() : null;
    return { key: view.key, spec: view.spec, buffer: take(), effort: this.governor.effort, keyBuffer, coarseFirst: true };
  }

  /** A mosaic view is relieved by the governor while it can still step down; at its last level, it shares like the rest. */
  private readonly relieved = (v: KeyedView): boolean => this.governor.effort !== FIT_EFFORTS[FIT_EFFORTS.length - 1] && reducible(v);

  /** Views held back from the last new frame to keep others their share (fair-share.ts). */
  heldBack = 0;

  /**
   * The views of a new frame that render it: all of them while their worker's renders fit in a
   * frame interval, else each worker's views at most their fair share of it (fair-share.ts). A
   * view change's re-render never goes through here: it is answered at once.
   */
  shareOut(views: readonly KeyedView[]): KeyedView[] {
    const chosen: KeyedView[] = [];
    if (!(this.frameIntervalMs > 0)) return chosen.concat(views);
    this.relievedKeys.clear();
    // By style, at every level: at the last one mosaic views share like the rest, and their load
    // must still reach the governor, or it steps up into the overload it just left.
    for (const v of views) if (reducible(v)) this.relievedKeys.add(v.key);
    let held = 0;
    let over = 0;
    for (const list of this.byWorker(views, this.groups).values()) {
      this.fair.select(list, this.frameIntervalMs * SHARED_BUDGET, this.relieved, chosen);
      held += this.fair.heldBack;
      over = Math.max(over, this.fair.overMs);
    }
    this.heldBack = held;
    // For the render of these views; none to render, no render to tell.
    this.shareHeld = held > 0 && chosen.length > 0;
    this.shareOverMs = over;
    return chosen;
  }

  /** The worker a view renders on: always the same one, which keeps its tables. */
  private slotFor(key: string): WorkerSlot {
    return this.slots[hashKey(key) % this.slots.length]!;
  }

  /** `views` by the worker each renders on (null: the main thread), into `groups`: its lists are reused, the empty ones dropped. */
  private byWorker(views: readonly KeyedView[], groups: Map<WorkerSlot | null, KeyedView[]>): Map<WorkerSlot | null, KeyedView[]> {
    for (const list of groups.values()) list.length = 0;
    for (const v of views) {
      const slot = this.inline ? null : this.slotFor(v.key);
      let list = groups.get(slot);
      if (!list) groups.set(slot, (list = []));
      list.push(v);
    }
    for (const [slot, list] of groups) if (list.length === 0) groups.delete(slot);
    return groups;
  }

  /**
   * Renders `views` of `frame`. `done` receives one payload per view (each referenced once for the
   * caller) once every involved worker answered. The frame slot must stay retained until then.
   */
  render(frame: DecodedFrame, views: readonly KeyedView[], done: Done): void {
    const textKeys = new Set<string>();
    for (const v of views) if (frameShape(v.spec).kind === 'text') textKeys.add(v.key);
    // A frame with no mosaic view is not evidence for the fit effort: stepping it down cannot relieve
    // that load (an ascii viewer's), and a mosaic viewer joining later would start reduced for it.
    const anyReducible = views.some(reducible);
    // Set by shareOut for this frame's render only; a view change's render is not shared out.
    const shared = this.shareHeld;
    this.shareHeld = false;
    if (this.inline) {
      const tasks = views.map((v) => this.task(v));
      const source = this.inline.frameOf(frame.ring.slots[frame.slot]!, frame.width, frame.height, frame.ring, frame.seq ?? 0);
      const outputs = this.inline.run(source, frame.index, frame.run ?? 0, tasks);
      let relievedMs = 0;
      for (const o of outputs) {
        this.fair.record(o.key, o.ms);
        if (shared && this.relievedKeys.has(o.key)) relievedMs += o.ms - o.setupMs;
      }
      this.measured(this.inline.busyMs, loadOf({ reducible: anyReducible, shared, relievedMs, overMs: shared ? this.shareOverMs : 0, loadMs: this.inline.loadMs }));
      this.tally(this.inline);
      // Deliver asynchronously like the workers do, so callers see one behaviour.
      setImmediate(() => done(outputs.map((o) => this.wrap(o, textKeys.has(o.key)))));
      return;
    }
    const perWorker = this.byWorker(views, this.renderGroups) as Map<WorkerSlot, KeyedView[]>;
    const jobId = this.nextJobId++;
    const job: PendingJob = { remaining: new Set(perWorker.keys()), payloads: [], textKeys, done, busyMs: 0, loadMs: 0, reducible: anyReducible, shared, relievedMs: 0, overMs: shared ? this.shareOverMs : 0 };
    this.pending.set(jobId, job);
    for (const [slot, list] of perWorker) {
      const tasks = list.map((v) => this.task(v));
      this.sendRing(slot, frame.ring);
      const message: ToWorker = { type: 'render', jobId, ringId: frame.ring.id, slot: frame.slot, index: frame.index, run: frame.run ?? 0, seq: frame.seq ?? 0, tasks };
      slot.worker.postMessage(message, tasks.flatMap((t) => [t.buffer, t.keyBuffer].filter((b): b is ArrayBuffer => b !== null)));
    }
    if (perWorker.size === 0) this.finishIfDone(jobId, job);
  }

  private sendRing(slot: WorkerSlot, ring: FrameSlots): void {
    if (slot.ringId === ring.id) return;
    slot.ringId = ring.id;
    const memory = ring.memory;
    const message: ToWorker = {
      type: 'ring',
      ringId: ring.id,
      width: ring.width,
      height: ring.height,
      format: ring.format,
      memory,
      offsets: ring.slots.map((s) => s.byteOffset),
      buffers: memory ? [] : ring.slots.map((s) => s.buffer as SharedArrayBuffer),
      slotBytes: ring.slots[0]?.length ?? 0,
      changes: ring.changes ? { buffer: ring.changes.buffer, tilesX: ring.changes.tilesX, tilesY: ring.changes.tilesY } : null,
    };
    slot.worker.postMessage(message);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
    this.payloads.clear();
  }
}
