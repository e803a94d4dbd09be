/** Worker thread entry: renders views of frames it reads from the shared ring. */
import { parentPort, workerData } from 'node:worker_threads';
import { setIdGeneration } from '../encode/frame-encoder.js';
import type { PictureFormat } from '../projection/layouts/index.js';
import type { FromWorker, ToWorker } from './messages.js';
import { RenderJobs } from './render-tasks.js';
import { WasmArena } from '../shared/wasm-arena.js';
import { buildAhead, ViewWarmUp } from './view-warm-up.js';
import { TileStamps } from '../shared/tile-stamps.js';

const port = parentPort;
if (!port) throw new Error('render-worker must run in a worker thread');

const data = workerData as { generation?: number; buildAhead?: boolean } | null;
// Codec state ids stay unique across workers and their restarts (frame-encoder.ts).
setIdGeneration(data?.generation ?? 1);
const jobs = new RenderJobs();
const warmUp = new ViewWarmUp();
let ring: { id: number; width: number; height: number; format: PictureFormat; slots: Uint8Array[]; arena: WasmArena | null; changes: TileStamps | null } | null = null;

function reply(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'ring') {
    // This thread's arena in the ring's memory, and the slots as views it recognises (wasm-arena.ts).
    const arena = message.memory ? new WasmArena(message.memory) : null;
    const slots = arena ? message.offsets.map((o) => arena.view(o, message.slotBytes)) : message.buffers.map((b) => new Uint8Array(b));
    const c = message.changes;
    ring = { id: message.ringId, width: message.width, height: message.height, format: message.format, slots, arena, changes: c ? new TileStamps(c.buffer, c.tilesX, c.tilesY) : null };
    return;
  }
  if (message.type === 'forget') {
    jobs.cache.clear();
    reply({ type: 'forgot', tables: jobs.cache.size, tableBytes: jobs.cache.bytes });
    return;
  }
  warmUp.busy();
  // Errors go back as messages with the job id, never as an uncaught throw (STYLE.md §2.11).
  try {
    if (!ring || ring.id !== message.ringId) throw new Error(`frame ring ${message.ringId} not known to worker`);
    const frame = ring.slots[message.slot];
    if (!frame) throw new Error(`frame slot ${message.slot} out of range`);
    const outputs = jobs.run(jobs.frameOf(frame, ring.width, ring.height, ring, message.seq), message.index, message.run, message.tasks);
    reply({ type: 'rendered', jobId: message.jobId, outputs, busyMs: jobs.busyMs, loadMs: jobs.loadMs, tables: jobs.cache.size, tableBytes: jobs.cache.bytes, cells: jobs.cells, cellsReused: jobs.cellsReused, samplesSimd: jobs.samplesSimd, samplesJs: jobs.samplesJs, samplesKept: jobs.samplesKept }, outputs.flatMap((o) => (o.keyBuffer ? [o.buffer, o.keyBuffer] : [o.buffer])));
    warmUp.noteJob(message.tasks, frame, ring.width, ring.height, ring.format, ring.arena);
  } catch (error) {
    reply({ type: 'failed', jobId: message.jobId, message: error instanceof Error ? error.message : String(error) });
  }
});

// While the source is still opening: the default style's search, ahead of its first viewer
// (ASCII360_BUILD_AHEAD=0 leaves it to that viewer, for the bench's baseline). Not in a worker
// restarted after a crash: the frames waiting for it go first.
// Only an optimisation: a failure here must not end the thread (the pool would restart it, to fail again).
if (data?.buildAhead === true && process.env['ASCII360_BUILD_AHEAD'] !== '0') {
  setTimeout(() => {
    try {
      buildAhead();
    } catch {
      // The first mosaic viewer builds it, as without.
    }
  }, 0);
}
