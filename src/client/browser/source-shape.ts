/**
 * A picture that has not a 360° panorama's shape (a 16:9 video, a phone's 9:16 one) is stretched
 * over the sphere: the server says so in its log and in `/healthz` (`format.stretched`, PROTOCOL-
 * NOTES.md §1.3), and `play` on its status line, but the page said nothing, so its viewer took
 * the stretched picture for the viewer's fault. The page asks once, after its first INIT, and
 * tells it in one line, in the server's words. The format is the source's, fixed while it runs:
 * a reconnect need not ask again.
 */

/** The request gets this long; a server this slow leaves the page without the notice, not stuck. */
const SHAPE_PROBE_MS = 3000;

/** The line to show for the source behind `healthUrl`, or null when its picture has its layout's shape (or the server did not say). */
export async function stretchNotice(healthUrl: string): Promise<string | null> {
  try {
    const res = await fetch(healthUrl, { cache: 'no-store', signal: AbortSignal.timeout(SHAPE_PROBE_MS) });
    if (!res.ok) return null;
    const health = (await res.json()) as { format?: { stretched?: unknown } };
    const note = health.format?.stretched;
    return typeof note === 'string' && note !== '' ? `not shaped as a 360° panorama: ${note}` : null;
  } catch {
    // No answer, or not JSON (a proxy's page): no notice, as from a server that has none.
    return null;
  }
}
