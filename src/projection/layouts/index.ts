/**
 * The source layouts under v360's names, one row each: how to make the Layout for a frame, the
 * frame's shape, and how wide a frame must be for a given detail. The working size
 * (app/working-size.ts) asks for detail as the width of an equivalent whole equirect panorama;
 * each row turns that into its own frame size.
 */
import type { LayoutName, PictureFormat } from '../../shared/types.js';
import { WHOLE_AREA, type Layout } from '../layout.js';
import { CubemapLayout, CUBE_3X2, CUBE_6X1, CUBE_V2, EAC, EAC_PAD_PIXELS } from './cubemap.js';
import { EquirectLayout } from './equirect.js';
import { FisheyeLayout } from './fisheye.js';
import { RGB24 } from '../../shared/frame-pixels.js';

export type { LayoutName, PictureFormat };
export const LAYOUT_NAMES: readonly LayoutName[] = ['equirect', 'hequirect', 'c3x2', 'cbmp', 'c6x1', 'eac', 'dfisheye', 'fisheye'];

/** v360's other spellings. */
const ALIASES: Readonly<Record<string, LayoutName>> = { e: 'equirect', he: 'hequirect' };

export function layoutNamed(name: string): LayoutName | null {
  const lower = name.toLowerCase();
  return (LAYOUT_NAMES as readonly string[]).includes(lower) ? (lower as LayoutName) : (ALIASES[lower] ?? null);
}

interface LayoutRow {
  readonly description: string;
  /** Width / height of the frame as the layout draws it. */
  aspect(p: PictureFormat): number;
  /** Frame width giving the detail of a whole equirect panorama `equirectWidth` wide. */
  widthFor(equirectWidth: number, p: PictureFormat): number;
  create(width: number, height: number, f: PictureFormat): Layout;
}

const HALF_AREA: PictureFormat['area'] = Object.freeze({ left: 0.25, top: 0, right: 0.75, bottom: 1 });

export const LAYOUTS: Readonly<Record<LayoutName, LayoutRow>> = {
  equirect: {
    description: 'equirectangular 360°, or the part of it a partial panorama holds',
    aspect: (p) => (2 * (p.area.right - p.area.left)) / (p.area.bottom - p.area.top),
    widthFor: (e, p) => e * (p.area.right - p.area.left),
    create: (w, h, f) => new EquirectLayout(w, h, f.area),
  },
  hequirect: {
    description: 'equirectangular 180° (VR180)',
    aspect: () => 1,
    widthFor: (e) => e / 2,
    create: (w, h) => new EquirectLayout(w, h, HALF_AREA),
  },
  c3x2: {
    description: 'cube map, 3×2 faces: right left up / down front back',
    aspect: () => 3 / 2,
    widthFor: (e) => (e / 4) * 3,
    create: (w, h) => new CubemapLayout(w, h, CUBE_3X2),
  },
  cbmp: {
    description: "Spherical Video V2's cube map: c3x2 with the up face's top forward, the down face's back",
    aspect: () => 3 / 2,
    widthFor: (e) => (e / 4) * 3,
    create: (w, h) => new CubemapLayout(w, h, CUBE_V2),
  },
  c6x1: {
    description: 'cube map, 6×1 faces: right left up down front back',
    aspect: () => 6,
    widthFor: (e) => (e / 4) * 6,
    create: (w, h) => new CubemapLayout(w, h, CUBE_6X1),
  },
  eac: {
    description: "equi-angular cube map (YouTube's)",
    aspect: () => 3 / 2,
    widthFor: (e) => (e / 4) * 3,
    create: (w, h, f) => new CubemapLayout(w, h, EAC, { x: EAC_PAD_PIXELS / f.sourceSize.width, y: EAC_PAD_PIXELS / f.sourceSize.height }),
  },
  dfisheye: {
    description: 'two fisheye lenses back to back, side by side',
    aspect: () => 2,
    widthFor: (e, p) => 2 * e * (p.inFov / 360),
    create: (w, h, f) => new FisheyeLayout(w, h, f.inFov, 2),
  },
  fisheye: {
    description: 'one fisheye lens looking forward',
    aspect: () => 1,
    widthFor: (e, p) => e * (p.inFov / 360),
    create: (w, h, f) => new FisheyeLayout(w, h, f.inFov, 1),
  },
};

/** Lens field of view when neither the file nor a flag gives one: dual-fisheye cameras see a little past 180°. */
export const DEFAULT_IN_FOV: Readonly<Record<'dfisheye' | 'fisheye', number>> = { dfisheye: 190, fisheye: 180 };

export const EQUIRECT_FORMAT: PictureFormat = Object.freeze({
  layout: 'equirect',
  inFov: 180,
  area: WHOLE_AREA,
  pose: Object.freeze({ yaw: 0, pitch: 0, roll: 0 }),
  sourceSize: Object.freeze({ width: 2, height: 1 }),
  pixels: RGB24,
});

/** Names for one-line errors: `equirect (e), hequirect (he), c3x2, …`. */
export function layoutList(): string {
  return LAYOUT_NAMES.map((n) => {
    const alias = Object.keys(ALIASES).find((a) => ALIASES[a] === n);
    return alias ? `${n} (${alias})` : n;
  }).join(', ');
}

/** A format's identity, for caches of tables built from it. */
export function formatKey(f: PictureFormat): string {
  const a = f.area;
  return `${f.layout}|${f.inFov}|${a.left},${a.top},${a.right},${a.bottom}|${f.pose.yaw},${f.pose.pitch},${f.pose.roll}|${f.sourceSize.width}x${f.sourceSize.height}`;
}
