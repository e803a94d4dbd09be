/**
 * Projected samples of demo views, as the renderer takes them: `n` views of 160 × 48 cells in
 * `style`, spread around the demo scene, at the working size those views would ask for. The
 * SIMD fitters' tests compare their bytes with the JS ones on these.
 */
import { frameShape, type StyleName } from '../../protocol/index.js';
import { chooseWorkWidth } from '../../src/app/working-size.js';
import { renderDemoBackground } from '../../src/source/demo-scene.js';
import { EQUIRECT_TO_FLAT } from '../../src/projection/projections.js';
import { sampleCells } from '../../src/projection/sample-cells.js';
import type { ViewSpec } from '../../src/shared/types.js';

export function demoViews(style: StyleName, n: number): Uint8Array[] {
  const views = Array.from({ length: n }, (_, i): ViewSpec => ({ yaw: (i * 360) / n - 180, pitch: ((i % 5) - 2) * 15, roll: 0, fov: 90, cols: 160, rows: 48, aspect: 0.5, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' }) as ViewSpec);
  const w = chooseWorkWidth(views, 3840);
  const frame = renderDemoBackground(w, w / 2);
  return views.map((s) => {
    const sh = frameShape(s);
    const t = EQUIRECT_TO_FLAT.buildTable(s, { cols: sh.sampleCols, rows: sh.sampleRows, aspect: sh.sampleAspect }, w, w / 2);
    const o = new Uint8Array(t.cols * t.rows * 3);
    sampleCells(t, frame, o);
    return o;
  });
}
