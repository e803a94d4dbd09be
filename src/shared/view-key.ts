/**
 * A view's identity: everything that decides a viewer's bytes, as one string. Viewers with equal
 * keys share one render; transport keys its sessions by it and workers their tables.
 */
import { frameShape } from '../../protocol/index.js';
import type { ViewSpec } from './types.js';

/** Canonical key of everything that decides a viewer's bytes: equal keys share one result. */
export function viewKey(s: ViewSpec): string {
  // The palette decides only fitted cells' bytes; leaving it out elsewhere lets more viewers share.
  const shape = frameShape(s);
  const palette = shape.kind === 'fitted' ? `|p${s.palette}` : '';
  // Coded frames are deltas against what the view's viewers show, at the view's tolerance.
  const quality = shape.tagged ? `|q${s.quality}` : '';
  return `${s.camera}|${s.yaw.toFixed(2)}|${s.pitch.toFixed(2)}|${s.roll.toFixed(2)}|${s.fov.toFixed(2)}|${s.cols}x${s.rows}|${s.aspect.toFixed(3)}|m${s.mode}|${s.style}${palette}|${s.codec}${quality}`;
}
