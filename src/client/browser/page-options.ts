/**
 * The page's own URL options, read once when it loads. A value the page cannot use never passes
 * silently and never stops the page: it is left out with a notice, and the page goes on with what it
 * would have had without it (its default, or the server's).
 *
 * What the page leaves out of its /ws query is the server's to choose (PROTOCOL-NOTES.md §1.2):
 * the camera (`serve --camera`), the quality (`serve --quality`), the colour mode and the
 * directions (the file's initial view), each told back in the INIT.
 */
import { isCameraName, isMode, isQuality, isStyleName, MODES, quoted, unknownCameraReason, unknownQualityReason, unknownStyleReason, wrapDegrees, type CameraName, type Codec, type Mode, type Quality, type StyleName } from '../../../protocol/index.js';
import { clientFovRange, type ViewAngles } from '../common/view-controller.js';
import { DEFAULT_FONT_PX } from './cell-font.js';
import type { FeedChoice } from './audio-control.js';
import type { RendererChoice } from './grid-renderer.js';

/**
 * The browser's style when the URL names none: mosaic glyphs are drawn from their shapes (no font
 * needed, glyph-atlas.ts), and fit 4×8 samples per cell where the ramp shows one.
 */
export const BROWSER_STYLE: StyleName = 'mosaic';
/** Cell font sizes the page accepts, CSS px: smaller is unreadable, larger leaves too few cells. */
export const FONT_PX_MIN = 6;
export const FONT_PX_MAX = 48;

export interface PageOptions {
  /** Passed on to /ws and /audio. */
  token: string | undefined;
  fontPx: number;
  renderer: RendererChoice;
  /** Undefined: the server's camera, as its INIT says. */
  camera: CameraName | undefined;
  /** Undefined: the server's quality. */
  quality: Quality | undefined;
  /** The frames the page asks for: coded (§3.7) unless `codec=raw`. */
  codec: Extract<Codec, 'raw' | 'tagged'>;
  /** Undefined: the server's mode. */
  mode: Mode | undefined;
  style: StyleName;
  /** The directions the URL names; the rest are the server's (INIT fields 13–15). */
  view: Partial<ViewAngles>;
  audio: FeedChoice;
  autoRotate: boolean;
}

/** Reads `params`; `notices` says, one line each, what was left out and why. */
export function readPageOptions(params: URLSearchParams): { options: PageOptions; notices: string[] } {
  /** Each notice with the parameter it is about: they are told in the URL's order. */
  const refused: { name: string; why: string }[] = [];
  /** The parameter's value, or undefined when it is absent or empty (`?fov=` says nothing). */
  const given = (name: string): string | undefined => params.get(name) || undefined;
  /** A value of parameter `name` the page cannot use: a notice, and `fallback`. */
  const refuse = <T>(name: string, why: string, fallback: T): T => {
    refused.push({ name, why });
    return fallback;
  };
  // Empty counts as absent for numbers too (`?yaw=`), as it does for every other option and on the server.
  const number = (name: string): number | undefined => {
    const raw = given(name);
    if (raw === undefined) return undefined;
    const value = raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(value) ? value : refuse(name, `${name}=${quoted(raw)} is not a number; ignored`, undefined);
  };
  /** `value` kept within `min`…`max`, with a notice when it was outside. */
  const within = (name: string, value: number, min: number, max: number, unit: string): number => {
    const kept = Math.min(max, Math.max(min, value));
    return kept === value ? value : refuse(name, `${name}=${value} is outside ${min}–${max}${unit}; using ${kept}`, kept);
  };
  /** A switch: `1`, `0` (or absent); anything else is said and left off. */
  const flag = (...names: string[]): boolean => {
    for (const name of names) {
      const raw = given(name);
      if (raw === undefined) continue;
      if (raw === '1' || raw === 'true') return true;
      if (raw !== '0' && raw !== 'false') refuse(name, `${name}=${quoted(raw)} is not 1 or 0; left off`, false);
    }
    return false;
  };

  const font = number('font');
  const fontPx = font === undefined ? DEFAULT_FONT_PX : within('font', font, FONT_PX_MIN, FONT_PX_MAX, ' px');

  const rendererName = given('renderer');
  const renderer = rendererName === undefined ? 'auto' : ((Object.hasOwn(RENDERERS, rendererName) ? RENDERERS[rendererName] : undefined) ?? refuse('renderer', `unknown renderer ${quoted(rendererName)}; renderers: webgl2, 2d; choosing by itself`, 'auto'));

  const cameraName = given('camera');
  const camera = cameraName === undefined || isCameraName(cameraName) ? cameraName : refuse('camera', `${unknownCameraReason(cameraName)}; showing the server's camera`, undefined);

  const qualityName = given('quality');
  const quality = qualityName === undefined || isQuality(qualityName) ? qualityName : refuse('quality', `${unknownQualityReason(qualityName)}; using the server's quality`, undefined);

  const codecName = given('codec');
  const codec = codecName === undefined || codecName === 'tagged' || codecName === 'raw' ? (codecName ?? 'tagged') : refuse('codec', `codec ${quoted(codecName)} is not one this page reads (tagged, raw); using tagged`, 'tagged');

  const modeNumber = number('mode');
  const mode = modeNumber === undefined || isMode(modeNumber) ? modeNumber : refuse('mode', `unknown mode ${modeNumber}; modes: ${MODES.join(', ')}; using the server's`, undefined);

  const styleName = given('style');
  let style = BROWSER_STYLE;
  if (styleName === 'blocks') style = 'half'; // the older name of the option
  else if (isStyleName(styleName)) style = styleName;
  else if (styleName !== undefined) refuse('style', `${unknownStyleReason(styleName)}; showing ${BROWSER_STYLE}`, undefined);

  const yaw = number('yaw');
  const pitch = number('pitch');
  const roll = number('roll');
  const fov = number('fov');
  // The FOV's range is the camera's: where the URL names none, the server's, which INIT tells.
  const fovRange = camera === undefined ? null : clientFovRange(camera);
  const view: Partial<ViewAngles> = {
    // As the server and the keys keep them: yaw and roll wrapped (a turn is no mistake), pitch up
    // to the poles and the FOV within the camera's range, said when outside.
    yaw: yaw === undefined ? undefined : wrapDegrees(yaw),
    pitch: pitch === undefined ? undefined : within('pitch', pitch, -90, 90, '°'),
    roll: roll === undefined ? undefined : wrapDegrees(roll),
    fov: fov === undefined || !fovRange ? fov : within('fov', fov, fovRange[0], fovRange[1], '°'),
  };

  const audioChoice = given('audio');
  const feeds: readonly FeedChoice[] = ['auto', 'pcm', 'mse', 'element'];
  const feed = feeds.find((f) => f === audioChoice) ?? 'auto';
  if (audioChoice !== undefined && feed !== audioChoice) refuse('audio', `audio=${quoted(audioChoice)} is not one this page plays by (${feeds.join(', ')}); using auto`, undefined);

  const options: PageOptions = {
    token: given('token'),
    fontPx,
    renderer,
    camera,
    quality,
    codec,
    mode,
    style,
    view,
    audio: feed,
    autoRotate: flag('autorotate', 'auto-rotate'),
  };
  const order = [...params.keys()];
  const notices = refused.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)).map((r) => r.why);
  return { options, notices };
}

const RENDERERS: Readonly<Record<string, RendererChoice>> = { webgl2: 'webgl2', webgl: 'webgl2', '2d': '2d', canvas: '2d', auto: 'auto' };

