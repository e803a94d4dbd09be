/**
 * How a working frame stores its pixels in a ring slot: RGB24, or the decoder's own 4:2:0 YUV
 * (three planes, I420). Most video is 4:2:0: asking ffmpeg for RGB made it convert every frame and
 * pipe twice the bytes. For a 3840×1920 clip at 30 fps, ffmpeg piping RGB24 used 0.85–0.89 cores
 * against 0.49–0.52 for its own yuv420p, on the bench machine. The render threads convert only the
 * samples a view takes (projection/sample-yuv.ts, sample-cells-simd.ts), a few hundred thousand a frame
 * instead of seven million pixels.
 *
 * A slot holds the picture and, after each plane, the byte a ray the picture lacks reads (the black
 * pixel, layout.ts): RGB24 is [R G B × w·h][0 0 0]; YUV is [Y × w·h][black Y][U × w·h/4][128]
 * [V × w·h/4][128], so a sample's V is always its U plus one constant (`vFromU`), the black
 * pixel's too. ffmpeg's bytes (the planes back to back) are cut into `planes` by frame-assembler.ts.
 */

/** YUV → RGB matrices by their standards' names (ffprobe's `color_space`). */
export type YuvMatrix = 'bt601' | 'bt709' | 'bt2020';
/** `limited`: Y 16–235, chroma 16–240 (ffprobe's `tv`, most video); `full`: 0–255 (`pc`, JPEG-style; the conversion has it, the server keeps such files in RGB24). */
export type YuvRange = 'limited' | 'full';

export type FramePixels = { readonly kind: 'rgb24' } | { readonly kind: 'yuv420p'; readonly matrix: YuvMatrix; readonly range: YuvRange };

export const RGB24: FramePixels = Object.freeze({ kind: 'rgb24' });

/** `rgb24`, or `yuv420p bt709` and the like (/healthz `decoder.pixels`). */
export function describePixels(p: FramePixels): string {
  return p.kind === 'rgb24' ? 'rgb24' : `yuv420p ${p.matrix}${p.range === 'full' ? ' full' : ''}`;
}

/**
 * ffprobe's pix_fmt names whose frames are 4:2:0 (8 or more bits; ffmpeg reduces deeper ones to 8
 * as it shrinks). Anything else (4:4:4, 4:2:2, RGB, grey, palettes) stays RGB24: converting 4:4:4
 * to 4:2:0 would lose the chroma detail RGB keeps.
 */
const FOUR_TWO_ZERO = /^(yuvj?420p(9|10|12|14|16)?(le|be)?|nv12|nv21|p010(le|be)?|p016(le|be)?)$/;

/** ffprobe's `color_space` tags this conversion has, untagged read as ffmpeg's RGB conversion reads it: BT.601. */
const MATRIX_OF_TAG: Readonly<Record<string, YuvMatrix>> = { '': 'bt601', unknown: 'bt601', bt470bg: 'bt601', smpte170m: 'bt601', bt709: 'bt709', bt2020nc: 'bt2020' };

/**
 * The pixels a video stream's working frames use, from ffprobe's stream fields. Stays RGB24, for
 * ffmpeg to convert as before:
 * - full-range 4:2:0 (the yuvj formats, `pc`): ffmpeg's scalers disagree on it (swscale hands
 *   yuv420p out in limited range, zscale keeps the input's), and such files are rare (JPEG-style
 *   cameras, MJPEG);
 * - other matrices (SMPTE 240M, FCC, BT.2020 constant luminance, YCgCo), rarer still.
 */
export function pixelsOfStream(pixFmt: unknown, colorSpace: unknown, colorRange: unknown): FramePixels {
  if (process.env['ASCII360_FRAME_PIXELS'] === 'rgb24') return RGB24; // the bench's side-by-side baseline
  if (typeof pixFmt !== 'string' || !FOUR_TWO_ZERO.test(pixFmt)) return RGB24;
  if (colorRange === 'pc' || colorRange === 'jpeg' || (colorRange !== 'tv' && pixFmt.startsWith('yuvj'))) return RGB24;
  const matrix = MATRIX_OF_TAG[typeof colorSpace === 'string' ? colorSpace : ''];
  return matrix ? Object.freeze({ kind: 'yuv420p', matrix, range: 'limited' }) : RGB24;
}

/** Whether 4:2:0 can hold a width × height frame (a chroma sample covers two by two pixels). */
export function holdsYuv420(width: number, height: number): boolean {
  return width % 2 === 0 && height % 2 === 0;
}

/** Where each part of a slot lies: the planes in ffmpeg's order, the black bytes, the slot's length. */
export interface SlotLayout {
  /** [start, length] of each plane in the slot, in the order ffmpeg writes them. */
  readonly planes: readonly (readonly [number, number])[];
  /** Picture bytes a frame brings (the planes' lengths summed). */
  readonly pictureBytes: number;
  /** The slot: the planes and their black bytes. */
  readonly slotBytes: number;
  /** The black pixel: its offset in an RGB24 slot; its Y in a YUV slot. */
  readonly black: number;
  /** YUV: the black pixel's U; -1 for RGB24. */
  readonly blackChroma: number;
  /** YUV: the distance from a pixel's U to its V (the U plane and its black byte). */
  readonly vFromU: number;
}

/** The layout of one slot for width × height frames (even sizes for YUV). */
export function slotLayout(pixels: FramePixels, width: number, height: number): SlotLayout {
  const area = width * height;
  if (pixels.kind === 'rgb24') {
    return { planes: [[0, area * 3]], pictureBytes: area * 3, slotBytes: area * 3 + 3, black: area * 3, blackChroma: -1, vFromU: 0 };
  }
  if (!holdsYuv420(width, height)) throw new RangeError(`a 4:2:0 frame needs an even size, not ${width}x${height}`);
  const quarter = area / 4;
  const u = area + 1;
  const v = u + quarter + 1;
  return { planes: [[0, area], [u, quarter], [v, quarter]], pictureBytes: area + 2 * quarter, slotBytes: v + quarter + 1, black: area, blackChroma: u + quarter, vFromU: quarter + 1 };
}

/** Writes a slot's black bytes (a slot is zeroed when made: RGB24 needs nothing). */
export function writeBlack(pixels: FramePixels, layout: SlotLayout, slot: Uint8Array): void {
  if (pixels.kind === 'rgb24') return;
  slot[layout.black] = pixels.range === 'limited' ? 16 : 0;
  slot[layout.blackChroma] = 128;
  slot[layout.blackChroma + layout.vFromU] = 128;
}

/**
 * Integer YUV → RGB for a sample of `taps` taps, from the sums of its taps' Y, U and V:
 * R = (ΣY·y + ΣV·rv + r0) >> 16, G = (ΣY·y − ΣU·gu − ΣV·gv + g0) >> 16, B = (ΣY·y + ΣU·bu + b0) >> 16,
 * each clamped to 0–255. Coefficients in 1/65536 and divided by the taps; the offsets fold in the
 * range's black level, the chroma's 128 and the rounding. Sums stay under 2^31 for up to 16 taps.
 */
export interface YuvCoefficients {
  readonly y: number;
  readonly rv: number;
  readonly gu: number;
  readonly gv: number;
  readonly bu: number;
  readonly r0: number;
  readonly g0: number;
  readonly b0: number;
}

/** Each matrix's red and blue luma weights (Kr, Kb); green's is what is left. */
export const KR_KB: Readonly<Record<YuvMatrix, readonly [number, number]>> = { bt601: [0.299, 0.114], bt709: [0.2126, 0.0722], bt2020: [0.2627, 0.0593] };

export function yuvCoefficients(matrix: YuvMatrix, range: YuvRange, taps: number, chromaTaps = taps): YuvCoefficients {
  const [kr, kb] = KR_KB[matrix];
  const kg = 1 - kr - kb;
  const ys = range === 'limited' ? 255 / 219 : 1;
  const cs = range === 'limited' ? 255 / 224 : 1;
  const y0 = range === 'limited' ? 16 : 0;
  const one = 65536 / taps;
  const oneC = 65536 / chromaTaps;
  const rv = Math.round(cs * 2 * (1 - kr) * oneC);
  const gu = Math.round(((cs * 2 * kb * (1 - kb)) / kg) * oneC);
  const gv = Math.round(((cs * 2 * kr * (1 - kr)) / kg) * oneC);
  const bu = Math.round(cs * 2 * (1 - kb) * oneC);
  const yb = Math.round(ys * y0 * 65536);
  const half = 32768;
  const mid = 128 * chromaTaps;
  return { y: Math.round(ys * one), rv, gu, gv, bu, r0: half - yb - mid * rv, g0: half - yb + mid * (gu + gv), b0: half - yb - mid * bu };
}
