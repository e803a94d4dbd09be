/**
 * The terminal client's process and its terminal under a shell's job control (Ctrl-Z, `fg`, `bg`,
 * `kill %1`): whether the terminal is the process's now, and which descriptors hold it. Linux reads
 * both from /proc; elsewhere the answers are the usual case (foreground; stdio).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Whether this process's group holds the terminal (Linux: /proc/self/stat's pgrp and tpgid); true
 * where that cannot be read, as a program in a terminal usually is.
 */
export function inForeground(): boolean {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After the name: state, ppid, pgrp, session, tty_nr, tpgid.
    return fields[2] === fields[5];
  } catch {
    return true;
  }
}

/** stdio and every other open descriptor on a terminal (where /proc/self/fd lists them). */
export function terminalDescriptors(): number[] {
  const fds = new Set([0, 1, 2]);
  try {
    for (const name of readdirSync('/proc/self/fd')) {
      try {
        if (/^\/dev\/(pts\/|tty)/.test(readlinkSync(`/proc/self/fd/${name}`))) fds.add(Number(name));
      } catch {
        // Closed meanwhile (the listing's own descriptor).
      }
    }
  } catch {
    // No /proc: stdio only.
  }
  return [...fds];
}
