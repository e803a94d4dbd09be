/**
 * q and Ctrl-C before the picture's client has the terminal: while `play` opens a URL (its probe
 * can take 20 s) and while `view` waits for a server's handshake (5 s). The terminal is in raw
 * mode meanwhile, so a q is not echoed onto the shell's next command line.
 */

/** Calls `quit` on q or Ctrl-C (anywhere in a read: keys typed ahead, a repeating key; `Q` is roll, not quit). Returns what puts the terminal back. */
export function quitKeys(quit: () => void): () => void {
  const input = process.stdin;
  if (!input.isTTY) return () => {};
  let on = true;
  const stop = (): void => {
    if (!on) return;
    on = false;
    input.off('data', onData);
    input.setRawMode(false);
    input.pause();
  };
  const onData = (data: Buffer): void => {
    const keys = data.toString('latin1');
    if (!keys.includes('q') && !keys.includes('\x03')) return;
    stop();
    quit();
  };
  input.setRawMode(true);
  input.on('data', onData);
  input.resume();
  return stop;
}

/** Erases the line a wait is announced on. */
export function eraseLine(): void {
  process.stdout.write('\r\x1b[2K');
}
