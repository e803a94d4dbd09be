/**
 * The viewers: every session, grouped by view key (viewers with the same key share one render),
 * the fan-out of each rendered payload to its group, what is told to everyone (STATUS:, Error:),
 * and the totals of what was sent and dropped, kept when viewers leave.
 */
import type { TimelineStatus } from '../../protocol/index.js';
import type { FramePayload } from '../shared/frame-payload.js';
import type { ViewerSession } from '../transport/viewer-session.js';
import type { KeyedView } from '../workers/render-pool.js';

export class Audience {
  private readonly sessions = new Set<ViewerSession>();
  private readonly byKey = new Map<string, Set<ViewerSession>>();
  /** Coded views: the id of the state the view's last delivered frame leaves its viewers in (PROTOCOL-NOTES.md §3.7). */
  private readonly lastState = new Map<string, number>();
  private sentBefore = 0;
  private bytesBefore = 0;
  private droppedBefore = 0;

  get size(): number {
    return this.sessions.size;
  }

  get distinctViews(): number {
    return this.byKey.size;
  }

  [Symbol.iterator](): IterableIterator<ViewerSession> {
    return this.sessions.values();
  }

  add(session: ViewerSession): void {
    this.sessions.add(session);
    this.group(session);
  }

  /** A session left: its counts join the totals. */
  remove(session: ViewerSession): void {
    this.sessions.delete(session);
    this.ungroup(session, session.key);
    this.sentBefore += session.queue.sent;
    this.bytesBefore += session.queue.bytesSent;
    this.droppedBefore += session.queue.dropped;
  }

  /** The session's key changed from `previousKey`. */
  regroup(session: ViewerSession, previousKey: string): void {
    this.ungroup(session, previousKey);
    this.group(session);
  }

  private group(session: ViewerSession): void {
    let group = this.byKey.get(session.key);
    if (!group) this.byKey.set(session.key, (group = new Set()));
    group.add(session);
  }

  private ungroup(session: ViewerSession, key: string): void {
    const group = this.byKey.get(key);
    if (!group) return;
    group.delete(session);
    if (group.size === 0) {
      this.byKey.delete(key);
      this.lastState.delete(key);
    }
  }

  /** One view per distinct key, to render; `needKey` when a viewer of it lacks its last state (a joiner, a drop). */
  views(): KeyedView[] {
    const views: KeyedView[] = [];
    for (const [key, group] of this.byKey) {
      const first = group.values().next().value;
      if (!first) continue;
      const last = this.lastState.get(key);
      let needKey = false;
      for (const s of group) if (!s.hasState(last)) needKey = true;
      views.push({ key, spec: first.spec, needKey, owner: first.id });
    }
    return views;
  }

  /** Each payload to every viewer of its key (each takes its own reference): a DELTA, or its keyframe to those lacking its base. */
  deliver(payloads: readonly FramePayload[]): void {
    for (const payload of payloads) {
      const group = this.byKey.get(payload.key);
      if (!group) continue;
      this.lastState.set(payload.key, payload.id);
      for (const s of group) s.sendFrame(payload);
    }
  }

  /**
   * Payloads nobody is shown (a frame the timeline jumped away from while it rendered). Their
   * view's codec state moved on all the same, so its viewers now lack it: the next render of the
   * view brings them a keyframe (views(), needKey).
   */
  withhold(payloads: readonly FramePayload[]): void {
    for (const payload of payloads) if (this.byKey.has(payload.key)) this.lastState.set(payload.key, payload.id);
  }

  /** Every viewer's `auto` view waiting (ViewerSession.takeAutoView) taken now: a frame is about to render. */
  takeAutoViews(): void {
    for (const s of this.sessions) s.takeAutoView();
  }

  status(status: TimelineStatus): void {
    for (const s of this.sessions) s.sendStatus(status);
  }

  error(message: string): void {
    for (const s of this.sessions) s.sendError(message);
  }

  /** Closes every session; with `flush`, frames still waiting go out first. */
  closeAll(code: number, reason: string, flush = false): void {
    for (const s of [...this.sessions]) s.close(code, reason, flush);
  }

  /** Frames and bytes sent and frames dropped, over every viewer there has been. */
  totals(): { sent: number; bytes: number; dropped: number } {
    let sent = this.sentBefore, bytes = this.bytesBefore, dropped = this.droppedBefore;
    for (const s of this.sessions) {
      sent += s.queue.sent;
      bytes += s.queue.bytesSent;
      dropped += s.queue.dropped;
    }
    return { sent, bytes, dropped };
  }
}
