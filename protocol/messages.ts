/**
 * Client → server messages: JSON text (PROTOCOL-NOTES.md §5). The parser is the one place that
 * decides what is valid; the server replies `Error: <message>` with the ProtocolError's message.
 */
import { isCameraName, unknownCameraReason, type CameraName } from './cameras.js';
import { isStyleName, unknownStyleReason, type StyleName } from './cell-styles.js';
import { isQuality, unknownQualityReason, type Quality } from './codec.js';
import { ProtocolError, quoted } from './errors.js';
import { isPalette, type Palette } from './palettes.js';
import { Limits, wrapDegrees } from './limits.js';
import { isMode, type Mode } from './modes.js';

/** `camera` (§7) optional; `fov` is clamped to the camera's range by the server. */
/**
 * `auto`: the view moved by itself (auto-rotate, a drag coasting), not by the user's hand: while
 * frames flow the server shows it from the next decoded frame rather than rendering the newest again.
 */
export interface ViewMessage { type: 'view'; yaw?: number; pitch?: number; roll?: number; fov?: number; camera?: CameraName; auto?: boolean }
export interface ResizeMessage { type: 'resize'; cols: number; rows: number; aspect?: number }
export interface ModeMessage { type: 'mode'; mode: Mode }
/** `style` names a cell style (§8); the older `pixel` true/false means `half`/`ramp`. `palette` is optional. */
export interface StyleMessage { type: 'style'; style: StyleName; palette?: Palette }
export interface PauseMessage { type: 'pause'; paused: boolean }
/** `requestId` (ASCILINE's): answered `SEEKED:<requestId>:<seconds>` to the one who asked (§2.2). */
export interface SeekMessage { type: 'seek'; time: number; requestId?: number | string }
/**
 * ASCILINE's `reinit{pixel,time}`: ramp or half, always answered with a new INIT (its clients wait
 * for one), even when the style stays; `time` is not a seek, since the timeline is everyone's.
 */
export interface ReinitMessage { type: 'reinit'; style: 'half' | 'ramp' }
/** The coded frames' colour tolerance (§3.8). */
export interface QualityMessage { type: 'quality'; quality: Quality }
/** The client lost its base frame (a frame did not decode): the next frame it gets is a keyframe (§3.7). */
export interface KeyframeMessage { type: 'keyframe' }

/**
 * Asks the server to say something (ours): it answers `PONG` (PONG_TEXT) to this viewer alone. A
 * page cannot send WebSocket pings from script, and a paused or still picture brings nothing for
 * minutes, so this is how it tells a quiet server from one gone without a close (§5).
 */
export interface PingMessage { type: 'ping' }
/** The server's answer to a `ping` message: a text of its own, to the viewer that asked only. */
export const PONG_TEXT = 'PONG';

/**
 * What ASCILINE's clients send that has no part here (§5): their buffer reports (every 250 ms),
 * grey filters and sync handshake. Taken quietly: an `Error:` four times a second would be noise.
 */
export interface AscilineMessage { type: 'buffer' | 'filter' | 'playback-ready' }

export type ClientMessage = ViewMessage | ResizeMessage | ModeMessage | StyleMessage | ReinitMessage | PauseMessage | SeekMessage | QualityMessage | KeyframeMessage | PingMessage | AscilineMessage;

export function encodeClientMessage(message: ClientMessage): string {
  return JSON.stringify(message);
}

function bad(reason: string): never {
  throw new ProtocolError('BAD_MESSAGE', reason);
}

function optionalNumber(obj: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${key} must be a finite number`);
  // No upper bound (Infinity: a seek's end is the server's to judge) is not named as one.
  if (v < min || v > max) bad(Number.isFinite(max) ? `${key} ${v} is out of range ${min}..${max}` : `${key} ${v} is below ${min}`);
  return v;
}

function requiredNumber(obj: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = optionalNumber(obj, key, min, max);
  if (v === undefined) bad(`${key} is required`);
  return v;
}

function requiredInteger(obj: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = requiredNumber(obj, key, min, max);
  if (!Number.isInteger(v)) bad(`${key} must be an integer`);
  return v;
}

function requiredBoolean(obj: Record<string, unknown>, key: string): boolean {
  const v = obj[key];
  if (typeof v !== 'boolean') bad(`${key} must be true or false`);
  return v;
}

/** Angles far beyond a turn are refused rather than wrapped: they are a client bug, not a view. */
const ANGLE_LIMIT = 1e6;

/** Parses and validates one message; throws ProtocolError with a one-line reason. Unknown extra fields are ignored. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    bad('message is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('message must be a JSON object');
  const obj = value as Record<string, unknown>;
  switch (obj['type']) {
    case 'view': {
      const yaw = optionalNumber(obj, 'yaw', -ANGLE_LIMIT, ANGLE_LIMIT);
      const pitch = optionalNumber(obj, 'pitch', Limits.PITCH_MIN, Limits.PITCH_MAX);
      const roll = optionalNumber(obj, 'roll', -ANGLE_LIMIT, ANGLE_LIMIT);
      const fov = optionalNumber(obj, 'fov', Limits.FOV_MIN, Limits.FOV_MAX);
      const msg: ViewMessage = { type: 'view' };
      if (yaw !== undefined) msg.yaw = wrapDegrees(yaw);
      if (pitch !== undefined) msg.pitch = pitch;
      if (roll !== undefined) msg.roll = wrapDegrees(roll);
      if (fov !== undefined) msg.fov = fov;
      const camera = obj['camera'];
      if (camera !== undefined) {
        if (!isCameraName(camera)) bad(unknownCameraReason(camera));
        msg.camera = camera;
      }
      const auto = obj['auto'];
      if (auto !== undefined) {
        if (typeof auto !== 'boolean') bad('auto must be true or false');
        if (auto) msg.auto = true;
      }
      return msg;
    }
    case 'resize': {
      const cols = requiredInteger(obj, 'cols', Limits.COLS_MIN, Limits.COLS_MAX);
      const rows = requiredInteger(obj, 'rows', Limits.ROWS_MIN, Limits.ROWS_MAX);
      // The sample cap, the query's, is the session's to apply: it depends on the viewer's style.
      const aspect = optionalNumber(obj, 'aspect', Limits.ASPECT_MIN, Limits.ASPECT_MAX);
      return aspect === undefined ? { type: 'resize', cols, rows } : { type: 'resize', cols, rows, aspect };
    }
    case 'mode': {
      const mode = obj['mode'];
      if (!isMode(mode)) bad('mode must be 1, 2, 3, 4 or 5');
      return { type: 'mode', mode };
    }
    case 'reinit':
      // ASCILINE's: pixel frames or not, re-sent from `time` (the position it shows). The timeline
      // is everyone's, so only the style changes; its INIT says where the timeline is.
      return { type: 'reinit', style: requiredBoolean(obj, 'pixel') ? 'half' : 'ramp' };
    case 'style': {
      const raw = obj['style'];
      let style: StyleName;
      if (raw === undefined) {
        if (obj['pixel'] === undefined) bad('style is required');
        style = requiredBoolean(obj, 'pixel') ? 'half' : 'ramp';
      } else if (isStyleName(raw)) {
        style = raw;
      } else {
        bad(unknownStyleReason(raw));
      }
      const palette = obj['palette'];
      if (palette === undefined) return { type: 'style', style };
      if (!isPalette(palette)) bad('palette must be "rgb", "256" or "16"');
      return { type: 'style', style, palette };
    }
    case 'pause':
      return { type: 'pause', paused: requiredBoolean(obj, 'paused') };
    case 'seek': {
      const time = requiredNumber(obj, 'time', 0, Infinity);
      const id = obj['requestId'];
      if (id === undefined) return { type: 'seek', time };
      if (!(typeof id === 'number' && Number.isFinite(id)) && !(typeof id === 'string' && /^[\w.-]{1,64}$/.test(id))) bad('requestId must be a number or a word of at most 64 letters, digits, _ . -');
      return { type: 'seek', time, requestId: id };
    }
    case 'buffer':
    case 'filter':
    case 'playback-ready':
      return { type: obj['type'] };
    case 'quality': {
      const quality = obj['quality'];
      if (quality === undefined) bad('quality is required');
      if (!isQuality(quality)) bad(unknownQualityReason(quality));
      return { type: 'quality', quality };
    }
    case 'keyframe':
      return { type: 'keyframe' };
    case 'ping':
      return { type: 'ping' };
    case undefined:
      return bad('message has no type');
    default:
      return bad(`unknown message type ${quoted(typeof obj['type'] === 'string' ? obj['type'] : JSON.stringify(obj['type']))}`);
  }
}
