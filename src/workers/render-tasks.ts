/** The body of a render job, shared by the worker thread and the inline fallback. */
import type { PictureFormat } from '../projection/layouts/index.js';
import type { RenderOutput, RenderTask } from './messages.js';
import { payloadCapacity, type ViewRendererCache } from './view-renderer.js';

export function renderTasks(
  cache: ViewRendererCache,
  frame: Uint8Array,
  width: number,
  height: number,
  format: PictureFormat,
  index: number,
  tasks: readonly RenderTask[],
): RenderOutput[] {
  const outputs: RenderOutput[] = [];
  for (const task of tasks) {
    const capacity = payloadCapacity(task.spec);
    const buffer = task.buffer && task.buffer.byteLength === capacity ? task.buffer : new ArrayBuffer(capacity);
    const length = cache.get(task.key, task.spec).render(frame, width, height, index, new Uint8Array(buffer), task.effort, format);
    outputs.push({ key: task.key, buffer, length });
  }
  cache.tick(tasks.length);
  return outputs;
}
