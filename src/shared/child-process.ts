/**
 * Stopping child processes (ffmpeg) with a deadline (STYLE.md §2.9): SIGTERM now, SIGKILL if the
 * child is still there after KILL_TIMEOUT_MS.
 */
import type { ChildProcess } from 'node:child_process';

/** ffmpeg exits at once on SIGTERM; one that does not within this long is wedged. */
export const KILL_TIMEOUT_MS = 1000;

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Children told to stop and not gone yet, each with the promise of its going. A server's shutdown
 * waits for them all (childrenStopped): an ffmpeg blocked reading a UDP stream whose sender has
 * stopped does not act on SIGTERM, and the server, which had stopped it when its last viewer left,
 * exited before the SIGKILL was due and left it running, holding the port.
 */
const stopping = new Map<ChildProcess, Promise<void>>();

export function terminate(child: ChildProcess): void {
  if (exited(child) || stopping.has(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_TIMEOUT_MS);
  timer.unref();
  stopping.set(child, new Promise<void>((resolve) => child.once('close', () => {
    clearTimeout(timer);
    stopping.delete(child);
    resolve();
  })));
}

/** Terminates `child` (if any) and resolves once it is gone. */
export async function terminateAndWait(child: ChildProcess | null): Promise<void> {
  if (!child || exited(child)) return;
  terminate(child);
  await stopping.get(child);
}

/** Resolves once every child terminate() has stopped is gone (SIGKILLed after KILL_TIMEOUT_MS where it must be). */
export async function childrenStopped(): Promise<void> {
  await Promise.all(stopping.values());
}
