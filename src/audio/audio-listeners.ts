/**
 * Listeners of `/audio`: every one gets the same ADTS frames from the one encode. Each has a bounded
 * buffer (what Node holds for its socket); one that stops reading is dropped once it is full, so a
 * stalled player never grows the server's memory or delays the others.
 */
import type { ServerResponse } from 'node:http';

/** About 4 s of 128 kbit/s audio beyond what the kernel buffers: room for a hiccup, not for a stalled player. */
export const LISTENER_BUFFER_BYTES = 64 * 1024;

export class AudioListeners {
  private readonly listeners = new Set<ServerResponse>();
  /** Listeners dropped for not reading. */
  dropped = 0;
  bytesSent = 0;

  constructor(private readonly onCountChange: (count: number) => void) {}

  get count(): number {
    return this.listeners.size;
  }

  /** Takes a response whose headers are written; it receives frames until it closes or is dropped. */
  add(res: ServerResponse): void {
    this.listeners.add(res);
    res.on('close', () => {
      if (this.listeners.delete(res)) this.onCountChange(this.listeners.size);
    });
    this.onCountChange(this.listeners.size);
  }

  broadcast(bytes: Buffer): void {
    for (const res of this.listeners) {
      if (res.writableLength > LISTENER_BUFFER_BYTES) {
        this.dropped++;
        this.listeners.delete(res);
        res.destroy();
        this.onCountChange(this.listeners.size);
        continue;
      }
      res.write(bytes);
      this.bytesSent += bytes.length;
    }
  }

  /** The stream ended (non-looping file) or the server stops: end every response cleanly. */
  endAll(): void {
    const all = [...this.listeners];
    this.listeners.clear();
    for (const res of all) res.end();
    if (all.length > 0) this.onCountChange(0);
  }
}
