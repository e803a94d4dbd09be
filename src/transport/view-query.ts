/**
 * `GET /ws?cols=&rows=&mode=&yaw=&pitch=&roll=&fov=&aspect=&codec=&quality=&style=&palette=&pixel=&camera=` →
 * the viewer's first ViewSpec (PROTOCOL-NOTES.md §1.2). Numbers out of range are clamped (the FOV
 * to the camera's range); values that are not numbers at all are refused with a reason. An unknown
 * style or camera is not a refusal: the viewer gets the default and a `notice` to send it (§6.1).
 */
import {
  CAMERAS, clamp, clampFov, DEFAULT_CAMERA, DEFAULT_QUALITY, DEFAULT_STYLE, Defaults, isCameraName, isCodec, isMode, isQuality, isPalette, QUALITY_NAMES, quoted, isStyleName, Limits, maxRowsFor,
  ProtocolError, unknownCameraReason, unknownStyleReason, wrapDegrees, type CameraName, type Mode, type Quality, type StyleName,
} from '../../protocol/index.js';
import type { ViewSpec } from '../shared/types.js';

export interface ViewQuery {
  spec: ViewSpec;
  /** An `Error:` reason to send after INIT (an unknown style or camera), or null. */
  notice: string | null;
}

/**
 * A decimal number, as a client writes one. Number() alone also reads a blank (`cols=%20`) as 0
 * and `0x10` as 16: neither is a number a client meant, and both were taken as a grid.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A parameter's value, or null where it is absent or empty: an empty value (`cols=`, what a form
 * sends for a field left blank) is as if not given, for every parameter alike (§1.2).
 */
function given(params: URLSearchParams, name: string): string | null {
  const raw = params.get(name);
  return raw === null || raw === '' ? null : raw;
}

function num(params: URLSearchParams, name: string, fallback: number): number {
  const raw = given(params, name);
  if (raw === null) return fallback;
  const value = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new ProtocolError('BAD_QUERY', `query ${name}=${quoted(raw)} is not a number`);
  return value;
}

/** A starting direction from the file (GPano's initial view); the FOV only for the flat camera it is meant for. */
export interface InitialView {
  yaw: number;
  pitch: number;
  fov?: number;
}

/** What a viewer gets for what its query leaves out: the server's flags and the file's metadata. */
export interface QueryDefaults {
  mode: Mode;
  camera?: CameraName;
  /** The coded frames' quality (`serve --quality`). */
  quality?: Quality;
  initial?: InitialView | null;
}

export function parseViewQuery(params: URLSearchParams, defaults: QueryDefaults): ViewQuery {
  const defaultMode = defaults.mode;
  const defaultCamera = defaults.camera ?? DEFAULT_CAMERA;
  const initial = defaults.initial ?? null;
  const cols = Math.round(clamp(num(params, 'cols', Defaults.COLS), Limits.COLS_MIN, Limits.COLS_MAX));
  let rows = Math.round(clamp(num(params, 'rows', Defaults.ROWS), Limits.ROWS_MIN, Limits.ROWS_MAX));
  const pixelRaw = given(params, 'pixel');
  if (pixelRaw !== null && pixelRaw !== '0' && pixelRaw !== '1') throw new ProtocolError('BAD_QUERY', `query pixel=${quoted(pixelRaw)} must be 0 or 1`);
  // pixel=1 is the older name of style=half; a style given beside it wins.
  let style: StyleName = pixelRaw === '1' ? 'half' : DEFAULT_STYLE;
  let notice: string | null = null;
  const styleRaw = given(params, 'style');
  if (styleRaw !== null) {
    if (isStyleName(styleRaw)) style = styleRaw;
    else notice = unknownStyleReason(styleRaw);
  }
  let camera: CameraName = defaultCamera;
  const cameraRaw = given(params, 'camera');
  if (cameraRaw !== null) {
    if (isCameraName(cameraRaw)) camera = cameraRaw;
    else notice = notice ? `${notice}; ${unknownCameraReason(cameraRaw)}` : unknownCameraReason(cameraRaw);
  }
  const paletteRaw = given(params, 'palette') ?? 'rgb';
  if (!isPalette(paletteRaw)) throw new ProtocolError('BAD_QUERY', `query palette=${quoted(paletteRaw)} is not rgb, 256 or 16`);
  // The cap counts samples: a sextant cell takes six (§1.2).
  rows = Math.min(rows, maxRowsFor(cols, style));
  const modeValue = Math.round(num(params, 'mode', defaultMode));
  const mode = isMode(modeValue) ? modeValue : (clamp(modeValue, 1, 5) as Mode);
  const codec = given(params, 'codec') ?? 'raw';
  // ASCILINE clients also say "legacy" for untagged frames.
  const codecName = codec === 'legacy' ? 'raw' : codec;
  if (!isCodec(codecName)) throw new ProtocolError('BAD_QUERY', `query codec=${quoted(codec)} is not raw, adaptive or tagged`);
  const qualityRaw = given(params, 'quality') ?? defaults.quality ?? DEFAULT_QUALITY;
  if (!isQuality(qualityRaw)) throw new ProtocolError('BAD_QUERY', `query quality=${quoted(qualityRaw)} is not ${QUALITY_NAMES.join(', ')}`);
  const spec: ViewSpec = {
    yaw: wrapDegrees(num(params, 'yaw', initial?.yaw ?? Defaults.YAW)),
    pitch: clamp(num(params, 'pitch', initial?.pitch ?? Defaults.PITCH), Limits.PITCH_MIN, Limits.PITCH_MAX),
    roll: wrapDegrees(num(params, 'roll', Defaults.ROLL)),
    // No FOV asked: the file's initial one for a flat view, else the camera's own (90° for flat, as ASCILINE's default).
    fov: clampFov(camera, num(params, 'fov', camera === 'flat' && initial?.fov ? initial.fov : CAMERAS[camera].startFov)),
    cols,
    rows,
    aspect: clamp(num(params, 'aspect', Defaults.ASPECT), Limits.ASPECT_MIN, Limits.ASPECT_MAX),
    mode,
    style,
    palette: paletteRaw,
    codec: codecName,
    quality: qualityRaw,
    camera,
  };
  return { spec, notice };
}
