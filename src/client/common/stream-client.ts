/**
 * The client side of a viewer session, for any WebSocket (browser or `ws`): reads INIT, frames and
 * `Error:` texts (PROTOCOL-NOTES.md §2, §3, §6) and sends control messages (§5).
 * Platform-free: it sees the socket only through SocketLike.
 */
import {
  decodeBinaryFrame,
  decodeTextFrame,
  encodeClientMessage,
  INIT_PREFIX,
  isTextFrame,
  parseInit,
  parseStatus,
  ProtocolError,
  STATUS_PREFIX,
  FrameDecoder,
  Tag,
  type BinaryFrame,
  type CameraName,
  type ClientMessage,
  type Codec,
  type Inflate,
  type Quality,
  type InitInfo,
  type Palette,
  type StyleName,
  type TimelineStatus,
} from '../../../protocol/index.js';

/** The part of the WebSocket API both the browser's and the `ws` package's sockets have. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

const OPEN = 1;

export type ReceivedFrame =
  | { kind: 'cells'; index: number; cols: number; rows: number; cells: Uint8Array }
  | { kind: 'pixels'; index: number; cols: number; rows: number; bgr: Uint8Array }
  /** Fitted glyph cells (PROTOCOL-NOTES.md §3.6): 7 bytes each, the glyph an index into `style`'s table. */
  | { kind: 'fitted'; index: number; cols: number; rows: number; style: StyleName; cells: Uint8Array }
  | { kind: 'text'; index: number; cols: number; rows: number; lines: string[] };

export interface StreamEvents {
  open?(): void;
  init(info: InitInfo): void;
  frame(frame: ReceivedFrame): void;
  /** An `Error:` text (without the prefix) or a frame that does not fit the INIT. */
  error(message: string): void;
  /** The timeline as the server has it (STATUS:, §2.1). */
  status?(status: TimelineStatus): void;
  close(code: number, reason: string): void;
}

export interface ViewQuery {
  cols: number;
  rows: number;
  mode?: number;
  yaw?: number;
  pitch?: number;
  roll?: number;
  fov?: number;
  aspect?: number;
  /** Cell style (§8); omitted: the server's default, ASCILINE's ramp. */
  style?: StyleName;
  palette?: Palette;
  codec?: Codec;
  /** Coded frames' colour tolerance (§3.8); omitted: the server's. */
  quality?: Quality;
  /** Camera (§7); omitted: flat. */
  camera?: CameraName;
  token?: string;
}

/** `ws://host/ws` + the view as query parameters (PROTOCOL-NOTES.md §1.2). */
export function viewUrl(base: string, q: ViewQuery): string {
  const url = new URL(base);
  const set = (k: string, v: number | string | undefined): void => {
    if (v !== undefined) url.searchParams.set(k, String(v));
  };
  set('cols', q.cols);
  set('rows', q.rows);
  set('mode', q.mode);
  set('yaw', q.yaw);
  set('pitch', q.pitch);
  set('roll', q.roll);
  set('fov', q.fov);
  set('aspect', q.aspect);
  set('codec', q.codec);
  set('quality', q.quality);
  set('style', q.style);
  if (q.palette && q.palette !== 'rgb') set('palette', q.palette);
  // Named even when flat: a server's own default (serve --camera) may be another.
  set('camera', q.camera);
  set('token', q.token);
  return url.toString();
}

/**
 * Coded frames decoding at once (async inflate only): a second's worth, so a page busy for a
 * moment (starting up, a slow machine) catches up instead of starting over; past this the client
 * drops them and starts over from a keyframe.
 */
const DECODE_BACKLOG = 30;
/** While no keyframe comes, the request is repeated this often (it may have crossed an INIT). */
const KEY_RETRY_MS = 1000;

export class StreamClient {
  init: InitInfo | null = null;
  lastIndex = -1;
  /** Coded frames (§3.7) that did not decode and were dropped. */
  undecodable = 0;
  private readonly decoder: FrameDecoder | null;
  /** Async inflate: coded frames decoding now (the decoder inflates and patches them one after another, in order). */
  private inflight = 0;
  /** Bumped by each INIT: a decode that finishes after one belongs to the old shape. */
  private generation = 0;
  /** A frame was lost: DELTAs are skipped until the keyframe asked for arrives. */
  private awaitingKey = false;
  private keyAskedAt = -Infinity;

  /** `inflate`: the platform's zlib (codec.ts); needed for `adaptive` and `tagged`. */
  constructor(
    private readonly socket: SocketLike,
    private readonly codec: Codec,
    private readonly events: StreamEvents,
    inflate: Inflate | null = null,
  ) {
    this.decoder = inflate ? new FrameDecoder(inflate) : null;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => events.open?.();
    socket.onmessage = (ev) => this.receive(ev.data);
    // Frames still inflating when the socket closes (the end of a file) are shown before the close.
    socket.onclose = (ev) => this.afterDecodes(() => events.close(ev.code, ev.reason));
    socket.onerror = () => {
      // The close event that follows carries the code; nothing to add here.
    };
  }

  get open(): boolean {
    return this.socket.readyState === OPEN;
  }

  send(message: ClientMessage): void {
    if (this.open) this.socket.send(encodeClientMessage(message));
  }

  close(code = 1000, reason = ''): void {
    this.socket.close(code, reason);
  }

  /**
   * Hands back a frame the client no longer reads (replaced on screen, or dropped unseen): the next
   * coded frames are decoded into its array instead of a new one (FrameDecoder.recycle). Text
   * frames and uncoded frames (views into their messages) are ignored.
   */
  recycle(frame: ReceivedFrame): void {
    if (!this.decoder || frame.kind === 'text') return;
    this.decoder.recycle(frame.kind === 'pixels' ? frame.bgr : frame.cells);
  }

  /** Handles one message; public so messages that arrived before this client existed can be fed in. */
  receive(data: unknown): void {
    try {
      if (typeof data === 'string') this.onText(data);
      else if (data instanceof ArrayBuffer) this.onBinary(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) this.onBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (error) {
      this.events.error(error instanceof ProtocolError ? error.message : String(error));
    }
  }

  private onText(text: string): void {
    if (text.startsWith(INIT_PREFIX)) {
      // Frames after an INIT have its shape; the server's next coded frame stands alone.
      this.startOver();
      this.awaitingKey = false;
      this.init = parseInit(text);
      this.events.init(this.init);
    } else if (text.startsWith('Error: ')) {
      this.events.error(text.slice(7));
    } else if (text.startsWith(STATUS_PREFIX)) {
      // A code this client does not know is not an error: codes only get added (§2.1).
      let status: TimelineStatus | null = null;
      try {
        status = parseStatus(text);
      } catch {
        status = null;
      }
      if (status) this.events.status?.(status);
    } else if (isTextFrame(text)) {
      const { index, lines } = decodeTextFrame(text);
      this.lastIndex = index;
      const init = this.init;
      this.events.frame({ kind: 'text', index, cols: init?.cols ?? lines[0]?.length ?? 0, rows: lines.length, lines });
    }
    // Anything newer is informational: ignored by design (messages only get added). PONG, the
    // answer to the page's `ping` (§5), is heard by its silence watch, which listens beside this.
  }

  private onBinary(data: Uint8Array): void {
    const init = this.init;
    if (!init) throw new ProtocolError('NO_INIT', 'frame before INIT');
    const frame = decodeBinaryFrame(data, init, this.codec);
    if (frame.tag === null) {
      this.emit(frame, frame.payload);
      return;
    }
    if (this.inflight >= DECODE_BACKLOG) {
      // Behind by more than the backlog (a busy page): drop what is decoding and start over from
      // a keyframe. Load shedding, not a fault: no notice.
      this.lost(frame.index, null);
    }
    this.decode(frame);
  }

  private decode(frame: BinaryFrame): void {
    const decoder = this.decoder;
    if (!decoder) throw new ProtocolError('FRAME_CODEC', `codec ${this.codec} needs an inflate function`);
    const patches = frame.tag === Tag.DELTA || frame.tag === Tag.PLANES_DELTA;
    if (this.awaitingKey && patches) {
      // Its base is gone: skip it, and ask again if the keyframe is slow to come.
      if (performance.now() - this.keyAskedAt > KEY_RETRY_MS) this.askKey();
      return;
    }
    // A frame that stands alone ends the wait as it goes in: the decoder patches in arrival order,
    // so the DELTAs behind it (which may arrive before it has inflated) patch it, not an older one.
    if (!patches) this.awaitingKey = false;
    let units: Uint8Array | Promise<Uint8Array>;
    try {
      units = decoder.decode(frame.tag!, frame.payload, frame.units, frame.unitBytes);
    } catch (error) {
      this.lost(frame.index, error instanceof ProtocolError ? error.message : String(error));
      return;
    }
    if (!(units instanceof Promise)) {
      this.emit(frame, units);
      return;
    }
    this.inflight++;
    const generation = this.generation;
    units.then(
      (u) => {
        if (generation === this.generation) this.emit(frame, u);
      },
      (error: unknown) => {
        if (generation === this.generation) this.lost(frame.index, error instanceof ProtocolError ? error.message : String(error));
      },
    ).finally(() => {
      if (generation !== this.generation) return;
      this.inflight--;
      if (this.inflight === 0) for (const then of this.drained.splice(0)) then();
    });
  }

  private drained: (() => void)[] = [];

  /** Runs `then` once no coded frame is decoding (at once when none is). */
  private afterDecodes(then: () => void): void {
    if (this.inflight === 0) then();
    else this.drained.push(then);
  }

  /**
   * A coded frame did not decode (`reason`), or decoding fell behind (null): dropped, with a notice
   * for a fault, and the server is asked for a keyframe (§5). Frames still decoding are abandoned:
   * what follows must start from the keyframe.
   */
  private lost(index: number, reason: string | null): void {
    if (reason !== null) this.undecodable++;
    this.startOver();
    if (reason !== null && !this.awaitingKey) this.events.error(`frame ${index} dropped: ${reason}; asking for a keyframe`);
    this.awaitingKey = true;
    this.askKey();
  }

  /** Abandons the frames decoding now (their results are ignored) and the shown frame. */
  private startOver(): void {
    this.generation++;
    this.decoder?.reset();
    this.inflight = 0;
    for (const then of this.drained.splice(0)) then();
  }

  private askKey(): void {
    this.keyAskedAt = performance.now();
    this.send({ type: 'keyframe' });
  }

  private emit(frame: BinaryFrame, units: Uint8Array): void {
    const init = this.init!;
    const { index, kind } = frame;
    this.lastIndex = index;
    if (kind === 'pixels') this.events.frame({ kind: 'pixels', index, cols: init.cols, rows: init.rows, bgr: units });
    else if (kind === 'fitted') this.events.frame({ kind: 'fitted', index, cols: init.cols, rows: init.rows, style: init.style, cells: units });
    else this.events.frame({ kind: 'cells', index, cols: init.cols, rows: init.rows, cells: units });
  }
}
