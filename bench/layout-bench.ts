/**
 * Source layouts (issue: formats): what each costs against equirect, side by side in one run.
 * 1. A view change: building a 160×48 view's sampling table, per layout, with flat and the little
 *    planet (stereographic), for ramp (one sample a cell) and mosaic (32).
 * 2. Every frame: ViewRenderer.render (sampling + quantise or fit) per 160×48 viewer, per layout,
 *    at the detail of a 3840-wide equirect. Aim: within 1.2× of equirect.
 * Frames are each layout's own shape at that detail (layouts/index.ts), filled with the demo
 * scene's bytes: the memory each view reads is what differs between layouts, not the picture.
 */
import { CAMERA_NAMES, type CameraName, type StyleName } from '../protocol/index.js';
import { CAMERA_START_FOV } from '../src/client/common/view-controller.js';
import { EQUIRECT_FORMAT, LAYOUT_NAMES, LAYOUTS, type PictureFormat } from '../src/projection/layouts/index.js';
import { projectionFor } from '../src/projection/projections.js';
import type { LayoutName, ViewSpec } from '../src/shared/types.js';
import { renderDemoBackground } from '../src/source/demo-scene.js';
import { payloadCapacity, ViewRenderer } from '../src/workers/view-renderer.js';
import { fmt, median, twinRing } from './stats.js';
import { ArenaBuffer, type WasmArena } from '../src/shared/wasm-arena.js';

const DETAIL = 3840;
const VIEWS = 8;
const ROUNDS = 9;
const ROUND_MS = 60;
/** The terminal's default style where sextants draw (and the browser's). */
const PICTURE_STYLE: StyleName = 'mosaic';

function formatOf(layout: LayoutName): PictureFormat {
  const inFov = layout === 'dfisheye' ? 190 : 180;
  return { ...EQUIRECT_FORMAT, layout, inFov, sourceSize: { width: 4096, height: 2048 } };
}

/** The frame and its changed twin in the two slots of a frame ring (the shared frame memory, so views sample with SIMD as in the server). */
function frameFor(f: PictureFormat): { frame: Uint8Array; twin: Uint8Array; w: number; h: number; arena: WasmArena | null } {
  const row = LAYOUTS[f.layout];
  const w = 2 * Math.round(row.widthFor(DETAIL, f) / 2);
  const h = 2 * Math.round(w / row.aspect(f) / 2);
  // The demo's bytes, cut or repeated to the layout's size, and the black pixel after them.
  const scene = renderDemoBackground(DETAIL, DETAIL / 2);
  const picture = new Uint8Array(w * h * 3);
  for (let i = 0; i < picture.length; i += scene.length) picture.set(scene.subarray(0, Math.min(scene.length, picture.length - i)), i);
  const ring = twinRing(picture, w, h, f);
  const [frame, twin] = ring.slots as [Uint8Array, Uint8Array];
  return { frame, twin, w, h, arena: ring.arena };
}

/** Views that stay where every layout has a picture (a fisheye sees only ahead): yaws within ±60°, pitches within ±30°. */
function views(style: StyleName, camera: CameraName = 'flat'): ViewSpec[] {
  return Array.from({ length: VIEWS }, (_, i) => ({
    yaw: (i * 120) / VIEWS - 60, pitch: ((i % 5) - 2) * 15, roll: 0, fov: CAMERA_START_FOV[camera] > 120 && camera !== 'flat' ? 120 : 90,
    cols: 160, rows: 48, aspect: 0.5, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera,
  }));
}

function timeRounds(work: (k: number) => void): number {
  for (let k = 0; k < 2 * VIEWS; k++) work(k);
  const perCall: number[] = [];
  let k = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    let calls = 0;
    while (performance.now() - t0 < ROUND_MS) {
      work(k++);
      calls++;
    }
    perCall.push((performance.now() - t0) / calls);
  }
  return median(perCall);
}

export function benchLayouts(): string[] {
  const lines = [`layouts: 160x48 views at the detail of a ${DETAIL}-wide equirect, ${VIEWS} views, ms, median of ${ROUNDS} rounds (ratios against equirect):`];
  const frames = new Map(LAYOUT_NAMES.map((l) => [l, frameFor(formatOf(l))]));
  const build = (layout: LayoutName, camera: CameraName, style: StyleName): number => {
    const f = formatOf(layout);
    const { w, h } = frames.get(layout)!;
    const vs = views(style, camera);
    const store = new ArenaBuffer();
    return timeRounds((k) => {
      const s = vs[k % VIEWS]!;
      const samples = style === 'ramp' ? { cols: 160, rows: 48, aspect: 0.5 } : { cols: 640, rows: 384, aspect: 1 };
      projectionFor(camera, f).buildTable(s, samples, w, h, (n) => store.int32(n, null));
    });
  };
  const render = (layout: LayoutName, style: StyleName): number => {
    const f = formatOf(layout);
    const { frame, twin, w, h, arena } = frames.get(layout)!;
    const vs = views(style);
    const renderers = vs.map((s) => new ViewRenderer(s));
    const out = new Uint8Array(payloadCapacity(vs[0]!));
    const scene = { pixels: frame, width: w, height: h, format: f, arena };
    const changed = { ...scene, pixels: twin };
    // A view's frames alternate the scene and its changed twin, so every cell is fitted each time.
    return timeRounds((k) => renderers[k % VIEWS]!.render(Math.floor(k / VIEWS) % 2 ? changed : scene, k, out));
  };
  const base = {
    flatRamp: build('equirect', 'flat', 'ramp'),
    planetRamp: build('equirect', 'stereographic', 'ramp'),
    flatMosaic: build('equirect', 'flat', PICTURE_STYLE),
    ramp: render('equirect', 'ramp'),
    mosaic: render('equirect', PICTURE_STYLE),
  };
  const cell = (ms: number, b: number, d = 2): string => `${fmt(ms, d).padStart(6)} (${fmt(ms / b, 2)}x)`;
  lines.push('  every frame, per viewer:', '    layout       frame       render ramp          render mosaic (aim <= 1.2x)');
  for (const layout of LAYOUT_NAMES) {
    const eq = layout === 'equirect';
    const ramp = eq ? base.ramp : render(layout, 'ramp');
    const mosaic = eq ? base.mosaic : render(layout, PICTURE_STYLE);
    const { w, h } = frames.get(layout)!;
    lines.push(`    ${layout.padEnd(11)}  ${`${w}x${h}`.padEnd(10)}  ${cell(ramp, base.ramp, 3).padEnd(20)} ${cell(mosaic, base.mosaic, 3)}`);
  }
  // A view change: every camera over every layout (ramp's table; mosaic's, 32 samples a cell, for flat).
  const baseByCamera = new Map(CAMERA_NAMES.map((c) => [c, c === 'flat' ? base.flatRamp : c === 'stereographic' ? base.planetRamp : build('equirect', c, 'ramp')]));
  lines.push('  a view change, table build per camera (ramp), and flat mosaic:', `    layout       ${CAMERA_NAMES.map((c) => c.padEnd(17)).join(' ')} flat mosaic`);
  for (const layout of LAYOUT_NAMES) {
    const eq = layout === 'equirect';
    const perCamera = CAMERA_NAMES.map((c) => {
      const b = baseByCamera.get(c)!;
      return cell(eq ? b : build(layout, c, 'ramp'), b).padEnd(17);
    });
    const mosaic = eq ? base.flatMosaic : build(layout, 'flat', PICTURE_STYLE);
    lines.push(`    ${layout.padEnd(11)}  ${perCamera.join(' ')} ${cell(mosaic, base.flatMosaic, 1)}`);
  }
  return lines;
}

if (process.argv[1]?.endsWith('layout-bench.js')) console.log(benchLayouts().join('\n'));
