/**
 * What the render side hands the transport for one view of one frame: the bytes, how they go on
 * the wire, and a reference count (workers/payload.ts implements it over pooled buffers).
 */
export interface FramePayload {
  /** The view key (view-key.ts) of the viewers it is for. */
  readonly key: string;
  /** The frame as sent: a view onto a pooled buffer, no copy. */
  readonly bytes: Buffer;
  /** Mode-1 frames are WebSocket text messages (PROTOCOL-NOTES.md §3.4); all others binary. */
  readonly kind: 'text' | 'binary';
  /** Coded frames (§3.7): the state a viewer shows after this frame; 0 for uncoded frames. */
  readonly id: number;
  /** The state this frame's DELTA patches, or -1 when it stands alone (every uncoded frame does). */
  readonly base: number;
  /** A DELTA's keyframe of the same state, for viewers that lack its base; null when none was made. */
  readonly keyframe: FramePayload | null;
  /** A view's first frame, fitted coarse (workers/view-renderer.ts): a finer one follows. */
  readonly coarse: boolean;
  /** Takes a reference: the buffer stays until every reference is released. */
  retain(): this;
  release(): void;
}
