/**
 * The INIT text message (PROTOCOL-NOTES.md §2): positional colon fields, ASCILINE's legacy order,
 * with ASCILINE's later fields appended. Fields are only ever appended, never reordered.
 *
 *   INIT:{fps}:{mode}:{cols}:{rows}:{pixel}:{queueIdx}:{duration}:{startSec}:{live}:{style}:{palette}:{camera}:{yaw}:{pitch}:{fov}
 *   INIT:30.0:5:160:48:0:0:12.000:0:0:ramp:rgb:flat:0:0:90
 */
import { isCameraName, type CameraName } from './cameras.js';
import { isStyleName, type StyleName } from './cell-styles.js';
import { ProtocolError } from './errors.js';
import { isMode, type Mode } from './modes.js';
import { isPalette, type Palette } from './palettes.js';

export interface InitInfo {
  /** Output frames per second. */
  fps: number;
  mode: Mode;
  /** Grid of the frames that follow: character cells, or pixels when `pixel` is set (§3.3). */
  cols: number;
  rows: number;
  /** Frames that follow are BGR pixel frames (half-block style), not character cells. */
  pixel: boolean;
  /** Duration of the source in seconds; 0 when unknown or live. */
  duration: number;
  /** Timeline position in seconds at which this INIT was sent. */
  startSec: number;
  /** The source is live (no duration, no pause or seek). */
  live: boolean;
  /** The cell style of the frames that follow (§8); an INIT without the field: `half` when pixel, else `ramp`. */
  style: StyleName;
  /** The palette fitted colours are chosen from (§8.3); `rgb` when the field is missing. */
  palette: Palette;
  /** The camera (§7); `flat` when the field is missing. */
  camera: CameraName;
  /**
   * The viewer's view when this INIT was sent, degrees: where the server started a viewer that
   * asked for no direction (the file's initial view). Absent in INITs without the fields.
   */
  view?: { yaw: number; pitch: number; fov: number };
}

export const INIT_PREFIX = 'INIT:';

/** fps as a decimal the way ASCILINE writes it: `30.0`, `29.97`. */
export function formatFps(fps: number): string {
  return Number.isInteger(fps) ? `${fps}.0` : String(fps);
}

export function encodeInit(info: InitInfo): string {
  const start = Math.round(info.startSec * 1000) / 1000;
  return (
    `${INIT_PREFIX}${formatFps(info.fps)}:${info.mode}:${info.cols}:${info.rows}:${info.pixel ? 1 : 0}` +
    `:0:${info.duration.toFixed(3)}:${start}:${info.live ? 1 : 0}:${info.style}:${info.palette}:${info.camera}` +
    (info.view ? `:${angle(info.view.yaw)}:${angle(info.view.pitch)}:${angle(info.view.fov)}` : '')
  );
}

/** Degrees with at most two decimals: `30`, `-12.5`. */
const angle = (deg: number): string => String(Math.round(deg * 100) / 100);

function field(parts: string[], i: number, name: string): number {
  const raw = parts[i];
  const value = raw === undefined ? NaN : Number(raw);
  if (raw === '' || !Number.isFinite(value)) throw new ProtocolError('INIT_FIELD', `INIT field ${name} is not a number: ${raw ?? '(missing)'}`);
  return value;
}

/** Reads an INIT of any length from 5 fields (ASCILINE May 2026) on; missing trailing fields take defaults. */
export function parseInit(text: string): InitInfo {
  if (!text.startsWith(INIT_PREFIX)) throw new ProtocolError('INIT_PREFIX', 'not an INIT message');
  const parts = text.slice(INIT_PREFIX.length).split(':');
  if (parts.length < 4) throw new ProtocolError('INIT_SHORT', `INIT has ${parts.length} fields, needs at least 4`);
  const fps = field(parts, 0, 'fps');
  const mode = field(parts, 1, 'mode');
  const cols = field(parts, 2, 'cols');
  const rows = field(parts, 3, 'rows');
  if (!(fps > 0)) throw new ProtocolError('INIT_FIELD', `INIT fps must be positive: ${fps}`);
  if (!isMode(mode)) throw new ProtocolError('INIT_FIELD', `INIT mode ${mode} is not 1..5`);
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
    throw new ProtocolError('INIT_FIELD', `INIT grid ${cols}x${rows} is not a positive integer size`);
  }
  const pixel = parts.length > 4 ? field(parts, 4, 'pixel') === 1 : false;
  // A style this client does not know is read as the one its frames' shape says (fields only get added).
  const styleField = parts[9];
  const style: StyleName = isStyleName(styleField) ? styleField : pixel ? 'half' : 'ramp';
  const paletteField = parts[10];
  const cameraField = parts[11];
  return {
    fps,
    mode,
    cols,
    rows,
    pixel,
    duration: parts.length > 6 ? field(parts, 6, 'duration') : 0,
    startSec: parts.length > 7 ? field(parts, 7, 'startSec') : 0,
    live: parts.length > 8 ? field(parts, 8, 'live') === 1 : false,
    style,
    palette: isPalette(paletteField) ? paletteField : 'rgb',
    camera: isCameraName(cameraField) ? cameraField : 'flat',
    ...(parts.length > 14 ? { view: { yaw: field(parts, 12, 'yaw'), pitch: field(parts, 13, 'pitch'), fov: field(parts, 14, 'fov') } } : {}),
  };
}
