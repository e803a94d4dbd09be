/**
 * `ascii360 print`: one view of a source as lines of coloured text on standard output, as chafa and
 * timg print a picture and exit. The view comes from a server over its WebSocket like any
 * viewer's frames, and is drawn by the terminal client's renderer in its `lines` form: rows of
 * SGRs and characters ending in ESC[0m and a newline, which a pipe, a file and the scrollback keep.
 *
 * Which frame: the picture once it has settled. A fitted style's first frame of a view is its
 * cheaper style's (view-renderer.ts: mosaic's first frame is sextants) and the full fit follows;
 * `print` starts its server paused, so that follow-up is the last frame to come. A source that
 * cannot pause (a live stream) keeps sending: its second frame is the full fit.
 */
import { CELL_STYLES, type CameraName, type Mode, type StyleName } from '../../../protocol/index.js';
import { StreamClient, viewUrl, type ReceivedFrame, type SocketLike } from '../common/stream-client.js';
import { openSocket } from './server-link.js';
import { VideoRenderer, type ColorDepth } from './video-renderer.js';

/** No frame for this long after the last one: the picture has settled. */
const SETTLED_MS = 300;

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
  const palette = opts.depth === '256' ? '256' : opts.depth === '16' ? '16' : 'rgb';
  // Monochrome prints text, as the terminal client asks for it.
  const mode = opts.mode ?? (opts.depth === 'mono' ? 1 : undefined);
  const url = viewUrl(opts.url, { cols: opts.cols, rows: opts.rows, mode, ...opts.view, aspect: 0.5, style: opts.style, palette, codec: 'raw', camera: opts.camera });
  const { ws, early } = await openSocket(url);
  const frame = await new Promise<ReceivedFrame>((resolve, reject) => {
    let latest: ReceivedFrame | null = null;
    let frames = 0;
    let playing = false;
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
      init: () => {},
      status: (status) => {
        playing = status.code === 'PLAYING';
      },
      frame: (f) => {
        latest = f;
        frames++;
        if (settle) clearTimeout(settle);
        // Still playing (no pause here): the frame after the first is the full fit.
        if (playing && frames >= 2) done(null);
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
  switch (frame.kind) {
    case 'cells':
      return renderer.renderCells(frame.cells, frame.cols, frame.rows);
    case 'pixels':
      return renderer.renderPixels(frame.bgr, frame.cols, frame.rows);
    case 'fitted':
      return renderer.renderFitted(frame.cells, frame.cols, frame.rows, CELL_STYLES[frame.style]);
    case 'text':
      return renderer.renderText(frame.lines);
  }
}
