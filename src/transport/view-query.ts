/**
 * `GET /ws?cols=&rows=&mode=&yaw=&pitch=&roll=&fov=&aspect=&codec=&pixel=` → the viewer's first
 * ViewSpec (PROTOCOL-NOTES.md §1.2). Numbers out of range are clamped; values that are not numbers
 * at all are refused with a reason.
 */
import { clamp, Defaults, isCodec, isMode, Limits, ProtocolError, wrapDegrees, type Mode } from '../../protocol/index.js';
import type { ViewSpec } from '../shared/types.js';

function num(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ProtocolError('BAD_QUERY', `query ${name}=${raw.slice(0, 20)} is not a number`);
  return value;
}

export function parseViewQuery(params: URLSearchParams, defaultMode: Mode): ViewSpec {
  const cols = Math.round(clamp(num(params, 'cols', Defaults.COLS), Limits.COLS_MIN, Limits.COLS_MAX));
  let rows = Math.round(clamp(num(params, 'rows', Defaults.ROWS), Limits.ROWS_MIN, Limits.ROWS_MAX));
  const pixelRaw = params.get('pixel');
  if (pixelRaw !== null && pixelRaw !== '0' && pixelRaw !== '1') throw new ProtocolError('BAD_QUERY', `query pixel=${pixelRaw.slice(0, 20)} must be 0 or 1`);
  const pixel = pixelRaw === '1';
  // Pixel frames carry two samples per row: the cell cap counts those.
  const perRow = cols * (pixel ? 2 : 1);
  if (perRow * rows > Limits.CELLS_MAX) rows = Math.max(1, Math.floor(Limits.CELLS_MAX / perRow));
  const modeValue = Math.round(num(params, 'mode', defaultMode));
  const mode = isMode(modeValue) ? modeValue : (clamp(modeValue, 1, 5) as Mode);
  const codec = params.get('codec') ?? 'raw';
  // ASCILINE clients also say "legacy" for untagged frames.
  const codecName = codec === 'legacy' || codec === '' ? 'raw' : codec;
  if (!isCodec(codecName)) throw new ProtocolError('BAD_QUERY', `query codec=${codec.slice(0, 20)} is not raw or adaptive`);
  return {
    yaw: wrapDegrees(num(params, 'yaw', Defaults.YAW)),
    pitch: clamp(num(params, 'pitch', Defaults.PITCH), Limits.PITCH_MIN, Limits.PITCH_MAX),
    roll: wrapDegrees(num(params, 'roll', Defaults.ROLL)),
    fov: clamp(num(params, 'fov', Defaults.FOV), Limits.FOV_MIN, Limits.FOV_MAX),
    cols,
    rows,
    aspect: clamp(num(params, 'aspect', Defaults.ASPECT), Limits.ASPECT_MIN, Limits.ASPECT_MAX),
    mode,
    pixel,
    codec: codecName,
  };
}
