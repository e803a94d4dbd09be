/**
 * The projection contract. A Projection turns a view and an output sample grid into a SamplingTable
 * once (when the view or grid changes); `sampleCells` (sample-cells.ts) then applies the table to
 * every frame. Projections are a camera (camera.ts, cameras/) over a layout (layout.ts, layouts/),
 * combined by one table builder (sampling-table.ts); projections.ts lists those the server uses.
 */
import type { SampleGrid, ViewAngles } from '../shared/types.js';

/**
 * How a table's taps are projected: 'lattice' projects a lattice of them exactly and interpolates
 * between where the layout offers it and the map is smooth (sampling-table.ts, fillByLattice);
 * 'exact' projects every tap (the baseline the bench and the tests compare it with).
 */
export type TableBuild = 'lattice' | 'exact';

export interface SamplingTable {
  readonly cols: number;
  readonly rows: number;
  /** Source samples averaged per output sample (sx × sy supersampling). */
  readonly taps: number;
  /** cols·rows·taps byte offsets into the RGB24 source frame, row-major, taps of one sample adjacent. */
  readonly offsets: Int32Array;
  readonly srcWidth: number;
  readonly srcHeight: number;
  /** Some offsets may be the black pixel just past the picture (layout.ts): the frame must hold it. */
  readonly readsBlack: boolean;
}

/**
 * Where a table's `length` offsets go: a view's own buffer, refilled in place so a viewer dragging
 * its view does not allocate a new table every frame, and in its thread's frame memory so the SIMD
 * sampler can read it (shared/wasm-arena.ts). Absent: a new array.
 */
export type TableStorage = (length: number) => Int32Array;

export interface Projection {
  buildTable(view: ViewAngles, grid: SampleGrid, srcWidth: number, srcHeight: number, storage?: TableStorage, how?: TableBuild): SamplingTable;
}
