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

export function terminate(child: ChildProcess): void {
  if (exited(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_TIMEOUT_MS);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}

/** Terminates `child` (if any) and resolves once it is gone. */
export async function terminateAndWait(child: ChildProcess | null): Promise<void> {
  if (!child || exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
  terminate(child);
  await gone;
}
