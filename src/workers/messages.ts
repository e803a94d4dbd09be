/**
 * The render worker protocol: a typed union each way, jobs matched by id, output buffers moved with
 * transfer lists (STYLE.md §2.12). Frames themselves never travel: workers read the shared ring.
 */
import type { PictureFormat } from '../projection/layouts/index.js';
import type { ViewSpec } from '../shared/types.js';
import type { FitEffort } from './fit-effort.js';

export interface RenderTask {
  key: string;
  spec: ViewSpec;
  /** A recycled output buffer to fill, or null to allocate one. */
  buffer: ArrayBuffer | null;
  /** How hard a mosaic view's fit works (fit-effort.ts). */
  effort: FitEffort;
}

export type ToWorker =
  | { type: 'ring'; ringId: number; width: number; height: number; format: PictureFormat; buffers: readonly SharedArrayBuffer[] }
  | { type: 'render'; jobId: number; ringId: number; slot: number; index: number; tasks: RenderTask[] };

export interface RenderOutput {
  key: string;
  buffer: ArrayBuffer;
  length: number;
}

export type FromWorker =
  /** `tables`, `tableBytes`: what the worker's cache holds after the job (reported in /healthz). */
  | { type: 'rendered'; jobId: number; outputs: RenderOutput[]; busyMs: number; tables: number; tableBytes: number }
  | { type: 'failed'; jobId: number; message: string };
