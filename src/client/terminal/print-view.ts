/**
 * `ascii360 print`: one view of a source as lines of coloured text on standard output, as chafa and
 * timg print a picture and exit. The view comes from a server over its WebSocket like any
 * viewer's frames, and is drawn by the terminal client's renderer in its `lines` form: rows of
 * SGRs and characters ending in ESC[0m and a newline, which a pipe, a file and the scrollback keep.
 *
 * Which frame: the view fitted in full. A style with a cheaper one (mosaic: sextants) has its
 * view's first frame fitted as that one, and the full fit follows (view-renderer.ts): the second
 * frame, whether the server re-renders the paused moment (`print` starts it paused) or a live
 * stream, which cannot pause, sends its next. Other styles' first frame is the picture. A second
 * frame that does not come (a busy server fits even a first frame at a lower effort, and refines
 * nothing) is waited for SETTLED_MS at most: the first is then the picture.
 */
import { CELL_STYLES, type CameraName, type Mode, type StyleName } from '../../../protocol/index.js';
import { StreamClient, viewUrl, type ReceivedFrame, type SocketLike } from '../common/stream-client.js';
import { CELL_ASPECT, modeFor, paletteOf } from './color-depth.js';
import { openSocket } from './server-link.js';
import { VideoRenderer, type ColorDepth } from './video-renderer.js';

/** The frame still awaited after the last one for this long: the last one is the picture. */
const SETTLED_MS = 2000;

export interface PrintOptions {
  /** The server's WebSocket endpoint. */
  url: string;
  cols: number;
  rows: number;
  depth: ColorDepth;
  style: StyleName;
  mode?: Mode;
  view: { yaw?: number; pitch?: number; roll?: number; fov?: number };
  camera?: CameraName;
  /** Gives up after this long without a settled picture. */
  timeoutMs: number;
}

/** The view as lines of text, or a one-line reason it could not be had (thrown as an Error). */
export async function printView(opts: PrintOptions): Promise<Uint8Array> {
  const url = viewUrl(opts.url, {
    cols: opts.cols, rows: opts.rows, mode: modeFor(opts.depth, opts.mode), ...opts.view, aspect: CELL_ASPECT,
    style: opts.style, palette: paletteOf(opts.depth), codec: 'raw', camera: opts.camera,
  });
  const open = await openSocket(url);
  const ws = open.ws;
  const early = open.takeEarly();
  const frame = await new Promise<ReceivedFrame>((resolve, reject) => {
    let latest: ReceivedFrame | null = null;
    let frames = 0;
    /** Frames until the view's full fit (the INIT's style says). */
    let wanted = 1;
    let settle: NodeJS.Timeout | null = null;
    let finished = false;
    const done = (error: Error | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      if (settle) clearTimeout(settle);
      stream.close();
      if (error || !latest) reject(error ?? new Error('no picture came'));
      else resolve(latest);
    };
    const deadline = setTimeout(() => done(new Error(`no picture within ${Math.round(opts.timeoutMs / 1000)} s`)), opts.timeoutMs);
    const stream = new StreamClient(ws as unknown as SocketLike, 'raw', {
      init: (info) => {
        wanted = CELL_STYLES[info.style].reducedTo.length > 0 ? 2 : 1;
      },
      frame: (f) => {
        latest = f;
        frames++;
        if (settle) clearTimeout(settle);
        if (frames >= wanted) done(null);
        else settle = setTimeout(() => done(null), SETTLED_MS);
      },
      error: (message) => done(new Error(`server: ${message}`)),
      close: (code, reason) => {
        if (latest) done(null);
        else done(new Error(reason || `the server closed the connection (${code})`));
      },
    });
    for (const data of early) stream.receive(data);
  });
  const renderer = new VideoRenderer({ depth: opts.depth, syncOutput: false, lines: true });
  renderer.setRegion(0, 0, frame.cols, frame.kind === 'pixels' ? (frame.rows + 1) >> 1 : frame.rows);
  return renderer.renderFrame(frame);
}
