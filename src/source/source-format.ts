/**
 * What the source's frames hold, decided once when the source opens: the file's metadata first
 * (spherical-metadata.ts), the operator's flags over it (`--projection`, `--stereo`, `--eye`,
 * `--in-fov`), defaults where neither says. From it: the eye's rectangle ffmpeg or sharp crops (a
 * stereo file decodes one eye, costing no more than a mono one), the picture format the workers
 * sample (projection/layouts/index.ts), and the working frame's size for a wanted detail.
 */
import { Ascii360Error, EXIT_USAGE } from '../shared/errors.js';
import type { LayoutName, PictureFormat } from '../shared/types.js';
import { DEFAULT_IN_FOV, EQUIRECT_FORMAT, LAYOUT_NAMES, layoutList, layoutNamed, LAYOUTS } from '../projection/layouts/index.js';
import { WHOLE_AREA } from '../projection/layout.js';
import { eyeSize, type SphericalMetadata, type StereoMode } from './spherical-metadata.js';
import { RGB24 } from '../shared/frame-pixels.js';

export type { StereoMode };
/** The layout names for help text and errors, from the layout table. */
export { layoutList };
export type Eye = 'left' | 'right';
export const STEREO_MODES: readonly StereoMode[] = ['mono', 'tb', 'sbs'];
export const EYES: readonly Eye[] = ['left', 'right'];

/** Where a decision came from, for /healthz. */
export type Origin = 'metadata' | 'flag' | 'default';

/** The operator's overrides, checked (parseFormatFlags). */
export interface FormatFlags {
  projection?: LayoutName;
  stereo?: StereoMode;
  eye?: Eye;
  inFov?: number;
}

export interface SourceFormat {
  /** One eye's picture, as the workers sample it. */
  picture: PictureFormat;
  stereo: StereoMode;
  eye: Eye;
  /** The eye's rectangle in the decoded file, pixels. */
  crop: { x: number; y: number; width: number; height: number };
  /** Where a viewer that asks for no direction starts; null: straight ahead. */
  initialView: { yaw: number; pitch: number; fov?: number } | null;
  from: { layout: Origin; stereo: Origin; eye: Origin; inFov: Origin; area: Origin; pose: Origin; initialView: Origin };
  /** The metadata read ("Spherical Video", "GPano XMP"), or null. */
  metadata: string | null;
  /** What was corrected or guessed, as `warn` was told it: `play` shows the first, where its log goes nowhere. */
  notes: readonly string[];
  /**
   * The note (one of `notes`) that the picture has not its layout's shape and is shown stretched to
   * it (a 16:9 video on the sphere), or null: the page tells its viewers this one (/healthz).
   */
  stretched: string | null;
}

export const IN_FOV_MIN = 90;
export const IN_FOV_MAX = 360;

/** The CLI's strings → checked flags; a bad one is a one-line usage error naming what is allowed. */
export function parseFormatFlags(raw: { projection?: string; stereo?: string; eye?: string; inFov?: string | number }): FormatFlags {
  const flags: FormatFlags = {};
  if (raw.projection !== undefined) {
    const name = layoutNamed(raw.projection);
    if (!name) throw new Ascii360Error('BAD_OPTION', `unknown --projection "${raw.projection}"; projections: ${layoutList()}`, EXIT_USAGE);
    flags.projection = name;
  }
  if (raw.stereo !== undefined) {
    if (!(STEREO_MODES as readonly string[]).includes(raw.stereo)) throw new Ascii360Error('BAD_OPTION', `unknown --stereo "${raw.stereo}"; stereo modes: ${STEREO_MODES.join(', ')}`, EXIT_USAGE);
    flags.stereo = raw.stereo as StereoMode;
  }
  if (raw.eye !== undefined) {
    if (!(EYES as readonly string[]).includes(raw.eye)) throw new Ascii360Error('BAD_OPTION', `unknown --eye "${raw.eye}"; eyes: ${EYES.join(', ')}`, EXIT_USAGE);
    flags.eye = raw.eye as Eye;
  }
  if (raw.inFov !== undefined) {
    const v = Number(raw.inFov);
    if (!Number.isFinite(v) || v < IN_FOV_MIN || v > IN_FOV_MAX) throw new Ascii360Error('BAD_OPTION', `--in-fov must be a number of degrees from ${IN_FOV_MIN} to ${IN_FOV_MAX}, got "${raw.inFov}"`, EXIT_USAGE);
    flags.inFov = v;
  }
  return flags;
}

/** Aspects this close count as the same shape (the stretch warning's tolerance). */
const SAME_SHAPE = 0.02;

/**
 * What to try for a picture of `picture`'s layout whose eye (of a `width`×`height` frame in
 * `stereo`) has another shape: a stereo mode that gives the layout its shape (a 1920×960
 * `--projection he` is two 960×960 eyes side by side: `--stereo sbs`; a mono 2:1 file given
 * `--stereo tb`: without it), and, unless a flag named the layout, the layouts of the eye's shape;
 * stereo named, failing both, the layouts of the whole frame without it. Where nothing fits and the
 * user named neither, that this may not be a 360° picture at all (a phone's 9:16 video).
 */
function stretchHint(picture: PictureFormat, stereo: StereoMode, stereoFrom: Origin, width: number, height: number, layoutGiven: boolean, pixelAspect: number): string {
  const same = (a: number, b: number): boolean => Math.abs(a / b - 1) <= SAME_SHAPE;
  const shapeIn = (mode: StereoMode): number => {
    const eye = eyeSize(mode, width, height);
    return (eye.width * pixelAspect) / eye.height;
  };
  const layoutsOf = (shape: number): LayoutName[] => LAYOUT_NAMES.filter((l) => l !== picture.layout && same(shape, LAYOUTS[l].aspect({ ...picture, layout: l, area: WHOLE_AREA })));
  // Leaving stereo out: dropping the flag, or overriding what the metadata says.
  const mono = stereoFrom === 'flag' ? 'without --stereo' : '--stereo mono';
  const expected = LAYOUTS[picture.layout].aspect(picture);
  const tries: string[] = [];
  for (const mode of STEREO_MODES) {
    if (mode !== stereo && same(shapeIn(mode), expected)) tries.push(mode === 'mono' ? mono : `--stereo ${mode}`);
  }
  if (!layoutGiven) {
    const fits = layoutsOf(shapeIn(stereo));
    if (fits.length > 0) tries.push(`--projection ${fits.join('|')}`);
    const whole = stereo === 'mono' || tries.length > 0 ? [] : layoutsOf(shapeIn('mono'));
    if (whole.length > 0) tries.push(`--projection ${whole.join('|')} ${mono}`);
  }
  if (tries.length > 0) return `; try ${tries.join(' or ')}`;
  return stereoFrom === 'flag' || layoutGiven ? '' : '; no known 360 layout has this shape';
}

/**
 * Metadata and flags → the format of a file `width`×`height` (both eyes), whose stored pixels are
 * `pixelAspect` as wide as tall when shown. `warn` gets one line per thing corrected or guessed
 * (metadata that contradicts the frame, a stretch).
 */
export function resolveFormat(meta: SphericalMetadata | null, flags: FormatFlags, width: number, height: number, warnLog: (message: string) => void, pixelAspect = 1): SourceFormat {
  const notes: string[] = [];
  const warn = (message: string): void => {
    notes.push(message);
    warnLog(message);
  };
  for (const w of meta?.warnings ?? []) warn(`${meta!.kind}: ${w}`);
  const pick = <T>(flag: T | undefined, fromMeta: T | undefined, fallback: T): [T, Origin] =>
    flag !== undefined ? [flag, 'flag'] : fromMeta !== undefined ? [fromMeta, 'metadata'] : [fallback, 'default'];

  const [layout, layoutFrom] = pick(flags.projection, meta?.layout, 'equirect' as LayoutName);
  const [stereo, stereoFrom] = pick(flags.stereo, meta?.stereo, 'mono' as StereoMode);
  const [eye, eyeFrom] = pick(flags.eye, undefined, 'left' as Eye);
  const defaultFov = layout === 'dfisheye' || layout === 'fisheye' ? DEFAULT_IN_FOV[layout] : 180;
  const [inFov, inFovFrom] = pick(flags.inFov, undefined, defaultFov);
  // The file's bounds place an equirect picture: meaningless once a flag names another layout.
  const areaApplies = layout === 'equirect' && meta?.layout === 'equirect';
  const [area, areaFrom] = areaApplies && meta?.area ? [meta.area, 'metadata' as Origin] : [WHOLE_AREA, 'default' as Origin];
  const [pose, poseFrom] = meta?.pose ? [meta.pose, 'metadata' as Origin] : [EQUIRECT_FORMAT.pose, 'default' as Origin];

  // The eye: st3d's right-left (ffmpeg's "inverted") stores the right eye first.
  const eyeFirst = meta?.swapEyes ? eye === 'right' : eye === 'left';
  const size = eyeSize(stereo, width, height);
  const crop = {
    x: stereo === 'sbs' && !eyeFirst ? width - size.width : 0,
    y: stereo === 'tb' && !eyeFirst ? height - size.height : 0,
    ...size,
  };
  if (stereo === 'mono' && flags.eye !== undefined) warn(`--eye ${flags.eye} ignored: the source is not stereo`);
  if (flags.inFov !== undefined && layout !== 'fisheye' && layout !== 'dfisheye') warn(`--in-fov ${flags.inFov} ignored: only a fisheye or dfisheye picture has a lens angle (the layout is ${layout})`);

  // RGB24 until a ring says how its frames are stored (frame-ring.ts).
  const picture: PictureFormat = { layout, inFov, area, pose, sourceSize: { width: size.width, height: size.height }, pixels: RGB24 };
  const expected = LAYOUTS[layout].aspect(picture);
  // The shape as shown: an anamorphic 2:1 panorama stored 1024x1024 was warned of as square, with
  // the hint to try --stereo tb, which would have shown half of it.
  const actual = (size.width * pixelAspect) / size.height;
  let stretched: string | null = null;
  if (Math.abs(actual / expected - 1) > 0.02) {
    // Short enough for `play`'s status line, which shows it where the log goes nowhere: the flags last.
    const said = layoutFrom !== 'default' ? `${layoutFrom === 'flag' ? 'the flag' : meta!.kind} says ${layout}` : stereoFrom === 'metadata' ? `${meta!.kind} says ${stereo}` : 'no metadata says what it is';
    const hint = stretchHint(picture, stereo, stereoFrom, width, height, layoutFrom === 'flag', pixelAspect);
    stretched = `${size.width}x${size.height}${stereo === 'mono' ? '' : ` (one eye of ${stereo})`} is not ${layout}'s ${expected.toFixed(2)}:1: stretched (${said})${hint}`;
    warn(stretched);
  }
  const initialView = meta?.initialView ?? null;
  return {
    picture,
    stereo,
    eye,
    crop,
    initialView,
    from: { layout: layoutFrom, stereo: stereoFrom, eye: eyeFrom, inFov: inFovFrom, area: areaFrom, pose: poseFrom, initialView: initialView ? 'metadata' : 'default' },
    metadata: meta?.kind ?? null,
    notes,
    stretched,
  };
}

/** The plain 2:1 mono equirect of the built-in demo: what a file with nothing to say resolves to. */
export function equirectSource(width: number, height: number): SourceFormat {
  return resolveFormat(null, {}, width, height, () => {});
}

const even = (v: number): number => Math.max(2, 2 * Math.round(v / 2));

/**
 * The working frame for a detail of `equirectWidth` (pixels across 360°, working-size.ts): the
 * layout's own shape, never wider than the eye the file holds.
 */
export function frameSize(f: SourceFormat, equirectWidth: number): { width: number; height: number } {
  const row = LAYOUTS[f.picture.layout];
  const width = Math.min(row.widthFor(equirectWidth, f.picture), f.crop.width);
  return { width: even(width), height: even(width / row.aspect(f.picture)) };
}

/** The detail (equirect width) the file's own eye offers: the working size never asks for more. */
export function sourceDetail(f: SourceFormat): number {
  return f.crop.width / LAYOUTS[f.picture.layout].widthFor(1, f.picture);
}
