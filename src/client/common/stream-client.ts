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
  type CameraName,
  type ClientMessage,
  type Codec,
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
  set('style', q.style);
  if (q.palette && q.palette !== 'rgb') set('palette', q.palette);
  if (q.camera && q.camera !== 'flat') set('camera', q.camera);
  set('token', q.token);
  return url.toString();
}

export class StreamClient {
  init: InitInfo | null = null;
  lastIndex = -1;

  constructor(
    private readonly socket: SocketLike,
    private readonly codec: Codec,
    private readonly events: StreamEvents,
  ) {
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => events.open?.();
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onclose = (ev) => events.close(ev.code, ev.reason);
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
    // Anything newer is informational: ignored by design (messages only get added).
  }

  private onBinary(data: Uint8Array): void {
    const init = this.init;
    if (!init) throw new ProtocolError('NO_INIT', 'frame before INIT');
    const { index, kind, payload } = decodeBinaryFrame(data, init, this.codec);
    this.lastIndex = index;
    if (kind === 'pixels') this.events.frame({ kind: 'pixels', index, cols: init.cols, rows: init.rows, bgr: payload });
    else if (kind === 'fitted') this.events.frame({ kind: 'fitted', index, cols: init.cols, rows: init.rows, style: init.style, cells: payload });
    else this.events.frame({ kind: 'cells', index, cols: init.cols, rows: init.rows, cells: payload });
  }
}
