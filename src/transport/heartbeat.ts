/**
 * WebSocket liveness. A viewer whose machine vanished (a laptop lid shut, a cable pulled, a NAT
 * entry expired) sends no FIN: while frames flow its socket fills and its frames are dropped, but
 * while the picture is paused nothing is written, so nothing fails and the viewer holds its slot
 * (and its view's render) for good. Every interval each socket is pinged; one that has neither
 * answered the last ping nor sent anything since is terminated. A live client's WebSocket stack
 * answers pings by itself (browsers, `ws`), so only a dead or frozen peer is cut: after one to
 * two intervals.
 */
import type { WebSocket } from 'ws';

/** Default interval (`serve --ping-interval`): well inside the 60 s idle timeout of common proxies. */
export const DEFAULT_PING_INTERVAL_S = 30;

export class Heartbeat {
  private readonly heard = new Map<WebSocket, boolean>();
  private readonly timer: NodeJS.Timeout | null;

  /** `intervalMs` 0: no pings, every socket is kept. */
  constructor(intervalMs: number, private readonly onDead: (ws: WebSocket) => void = () => {}) {
    this.timer = intervalMs > 0 ? setInterval(this.beat, intervalMs) : null;
    this.timer?.unref();
  }

  watch(ws: WebSocket): void {
    if (!this.timer) return;
    this.heard.set(ws, true);
    const alive = (): void => {
      this.heard.set(ws, true);
    };
    ws.on('pong', alive);
    ws.on('message', alive);
    ws.once('close', () => this.heard.delete(ws));
  }

  private readonly beat = (): void => {
    for (const [ws, heard] of this.heard) {
      if (!heard) {
        this.heard.delete(ws);
        this.onDead(ws);
        ws.terminate();
        continue;
      }
      this.heard.set(ws, false);
      ws.ping();
    }
  };

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.heard.clear();
  }
}
